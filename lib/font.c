/* SPDX-License-Identifier: MIT */
#include "font.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include "err.h"
#include "utf8.h"

/* Faces loaded at most: the main one and the fallbacks met so far (a CJK font, a symbol font, ...). */
#define MAX_FACES 8
#define MAX_MISSING 256
/* Advances measured so far, by role and character: a label is measured many times, a title may be long. */
#define ADVANCE_SLOTS 4096

struct Font {
	bool builtin;
	int scale;         /* bitmap font: screen pixels per font pixel of labels (titles: twice) */
	double px[2];      /* FreeType: em sizes in pixels of labels and titles */
	FT_Library ft;
	FT_Face faces[MAX_FACES]; /* faces[0] is the font asked for; the others fall back per character */
	char *face_keys[MAX_FACES]; /* "file#index", so that a face is loaded once */
	int face_role[MAX_FACES];   /* the role whose size the face is set to, or -1 */
	size_t nfaces;
	bool fc_ready;
	uint32_t missing[MAX_MISSING]; /* characters no font has: fontconfig is asked once */
	size_t nmissing;
	TextMetrics m[2];
	bool m_ready[2];
	struct {
		uint32_t key; /* (cp << 1 | role) + 1; 0: free */
		FT_Pos advance;
	} advances[ADVANCE_SLOTS];
	size_t nadvances;
	char families[512];
};

/* Glyphs: outlines (never a face's embedded bitmaps, which are not anti-aliased), light hinting. */
#define LOAD_FLAGS (FT_LOAD_DEFAULT | FT_LOAD_NO_BITMAP | FT_LOAD_TARGET_LIGHT)

size_t text_next(const char **p, uint32_t cp[4], bool ascii_only)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = (unsigned char)**p;
	uint32_t v;
	size_t n = utf8_decode(*p, &v);

	if (c == 0)
		return 0;
	/* a valid printable UTF-8 character is itself (lib/utf8); the backslash and any other byte are \xHH */
	if (n > 0 && !utf8_is_control(v) && v != '\\' && !(ascii_only && v >= 0x80)) {
		*p += n;
		cp[0] = v;
		return 1;
	}
	*p += 1;
	cp[0] = '\\', cp[1] = 'x', cp[2] = (uint32_t)hex[c >> 4], cp[3] = (uint32_t)hex[c & 15];
	return 4;
}

/* Load face index of file into the next slot; false when FreeType cannot, or it has no outlines. */
static bool add_face(Font *f, const char *file, int index)
{
	char key[4096];
	FT_Face face;

	snprintf(key, sizeof(key), "%s#%d", file, index);
	for (size_t i = 0; i < f->nfaces; i++)
		if (strcmp(f->face_keys[i], key) == 0)
			return false; /* loaded already: it does not have the character */
	if (f->nfaces == MAX_FACES || FT_New_Face(f->ft, file, index, &face) != 0)
		return false;
	if (!FT_IS_SCALABLE(face)) {
		FT_Done_Face(face);
		return false;
	}
	f->faces[f->nfaces] = face;
	f->face_keys[f->nfaces] = xstrdup(key);
	f->face_role[f->nfaces] = -1;
	f->nfaces++;
	return true;
}

/*
 * Ask fontconfig for the best font of pattern (a family name), covering cp when cp is not 0; add its
 * face. The match is checked: fontconfig answers with its nearest font even when none has cp.
 */
static bool add_matched_face(Font *f, const char *family, uint32_t cp)
{
	FcPattern *pat, *match;
	FcCharSet *cs = NULL, *has;
	FcResult result;
	FcChar8 *file;
	int index = 0;
	bool ok = false;

	if (!f->fc_ready) {
		if (!FcInit())
			return false;
		f->fc_ready = true;
	}
	pat = FcNameParse((const FcChar8 *)family);
	if (pat == NULL)
		return false;
	if (cp) {
		cs = FcCharSetCreate();
		FcCharSetAddChar(cs, cp);
		FcPatternAddCharSet(pat, FC_CHARSET, cs);
	}
	FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	match = FcFontMatch(NULL, pat, &result);
	if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
	    (cp == 0 || (FcPatternGetCharSet(match, FC_CHARSET, 0, &has) == FcResultMatch && FcCharSetHasChar(has, cp)))) {
		FcPatternGetInteger(match, FC_INDEX, 0, &index);
		ok = add_face(f, (const char *)file, index);
	}
	if (match)
		FcPatternDestroy(match);
	if (cs)
		FcCharSetDestroy(cs);
	FcPatternDestroy(pat);
	return ok;
}

Font *font_open(const char *file, double size_px, double scale)
{
	Font *f = xcalloc(1, sizeof(*f));

	f->scale = scale < 1.5 ? 1 : (int)lround(scale);
	f->px[TEXT_LABEL] = size_px * scale;
	f->px[TEXT_TITLE] = 1.5 * size_px * scale;
	if (file && strcmp(file, "builtin") == 0) {
		f->builtin = true;
		return f;
	}
	if (FT_Init_FreeType(&f->ft) != 0)
		die("FreeType cannot start");
	if (file) {
		FILE *probe = fopen(file, "rb");
		if (probe == NULL)
			die("%s:", file);
		fclose(probe);
		if (!add_face(f, file, 0))
			die("%s: not a font FreeType can read", file);
		return f;
	}
	if (!add_matched_face(f, "DejaVu Sans", 0)) {
		warning("no font found (install fonts-dejavu-core): labels use the built-in bitmap font");
		FT_Done_FreeType(f->ft);
		f->ft = NULL;
		f->builtin = true;
	}
	return f;
}

void font_free(Font *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nfaces; i++) {
		FT_Done_Face(f->faces[i]);
		free(f->face_keys[i]);
	}
	if (f->ft)
		FT_Done_FreeType(f->ft);
	if (f->fc_ready)
		FcFini();
	free(f);
}

bool font_is_builtin(const Font *f)
{
	return f->builtin;
}

const char *font_families(const Font *f)
{
	Font *w = (Font *)f; /* the list is made once, when asked */
	size_t n = 0;

	if (f->builtin)
		return "monospace";
	w->families[0] = '\0';
	for (size_t i = 0; i < f->nfaces; i++) {
		const char *name = f->faces[i]->family_name;
		if (name == NULL || strpbrk(name, "\"'<>&,") || strstr(w->families, name))
			continue;
		n += (size_t)snprintf(w->families + n, sizeof(w->families) - n, "'%s', ", name);
		if (n >= sizeof(w->families) - 16)
			break;
	}
	snprintf(w->families + n, sizeof(w->families) - n, "sans-serif");
	return w->families;
}

static bool is_missing(const Font *f, uint32_t cp)
{
	for (size_t i = 0; i < f->nmissing; i++)
		if (f->missing[i] == cp)
			return true;
	return false;
}

/* The face that draws cp, and its glyph there: the first loaded face that has it, else fontconfig's. */
static size_t face_for(Font *f, uint32_t cp, FT_UInt *glyph)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < f->nfaces; i++)
			if ((*glyph = FT_Get_Char_Index(f->faces[i], cp)) != 0)
				return i;
		if (pass == 1 || is_missing(f, cp) || !add_matched_face(f, "sans-serif", cp)) {
			if (!is_missing(f, cp) && f->nmissing < MAX_MISSING)
				f->missing[f->nmissing++] = cp;
			break;
		}
	}
	*glyph = 0; /* the main face's "missing glyph" box */
	return 0;
}

static void set_size(Font *f, size_t i, TextRole role)
{
	if (f->face_role[i] == (int)role)
		return;
	FT_Set_Char_Size(f->faces[i], 0, (FT_F26Dot6)lround(f->px[role] * 64), 72, 72);
	f->face_role[i] = (int)role;
}

/* Load the glyph of cp at the role's size into its face's slot; the face, or NULL when FreeType fails. */
static FT_Face load_glyph(Font *f, TextRole role, uint32_t cp)
{
	FT_UInt glyph;
	size_t i = face_for(f, cp, &glyph);

	set_size(f, i, role);
	return FT_Load_Glyph(f->faces[i], glyph, LOAD_FLAGS) == 0 ? f->faces[i] : NULL;
}

/* 26.6 fixed point (1/64 pixel) to whole pixels: round up, round to nearest. */
static long ceil26(FT_Pos v)
{
	return (long)((v + 63) >> 6);
}

static long round26(FT_Pos v)
{
	return (long)((v + 32) >> 6);
}

void font_metrics(Font *f, TextRole role, TextMetrics *m)
{
	if (f->m_ready[role]) {
		*m = f->m[role];
		return;
	}
	if (f->builtin) {
		long k = role == TEXT_TITLE ? 2 * f->scale : f->scale;
		m->cap = FONT_CAP_HEIGHT * k;
		m->descent = (FONT_HEIGHT - FONT_CAP_HEIGHT) * k;
		m->line = FONT_LINE * k;
		m->advance = FONT_ADVANCE * k;
		m->px = FONT_LINE * k;
	} else {
		FT_Face face;
		set_size(f, 0, role);
		m->descent = ceil26(-f->faces[0]->size->metrics.descender);
		m->line = ceil26(f->faces[0]->size->metrics.height);
		face = load_glyph(f, role, 'H');
		m->cap = face ? round26(face->glyph->metrics.horiBearingY) : lround(0.73 * f->px[role]);
		face = load_glyph(f, role, '0');
		m->advance = face ? round26(face->glyph->advance.x) : lround(0.64 * f->px[role]);
		m->px = f->px[role];
	}
	f->m[role] = *m;
	f->m_ready[role] = true;
}

/* The advance of one character in 1/64 pixels, from the table of those met before when it is there. */
static FT_Pos advance26(Font *f, TextRole role, uint32_t cp)
{
	uint32_t key = (cp << 1 | (uint32_t)role) + 1;
	size_t i = (key * 2654435761u) % ADVANCE_SLOTS; /* Knuth's multiplicative hash, then the next free slot */
	FT_Face face;

	for (; f->advances[i].key; i = (i + 1) % ADVANCE_SLOTS)
		if (f->advances[i].key == key)
			return f->advances[i].advance;
	face = load_glyph(f, role, cp);
	if (face == NULL)
		return 0;
	if (f->nadvances < ADVANCE_SLOTS / 2) { /* half full at most, so that a search ends soon */
		f->advances[i].key = key;
		f->advances[i].advance = face->glyph->advance.x;
		f->nadvances++;
	}
	return face->glyph->advance.x;
}

/* The width of s in 1/64 pixels (FreeType), or in glyphs (the bitmap font). */
static long raw_width(Font *f, TextRole role, const char *s)
{
	uint32_t cp[4];
	long w = 0;

	for (size_t n; (n = text_next(&s, cp, f->builtin)) > 0;)
		for (size_t i = 0; i < n; i++)
			w += f->builtin ? 1 : advance26(f, role, cp[i]);
	return w;
}

static long to_pixels(Font *f, TextRole role, long raw)
{
	TextMetrics m;

	if (!f->builtin)
		return round26(raw);
	font_metrics(f, role, &m);
	return (long)text_width((size_t)raw, (int)(m.advance / FONT_ADVANCE));
}

long font_width(Font *f, TextRole role, const char *s)
{
	return to_pixels(f, role, raw_width(f, role, s));
}

char *font_fit(Font *f, TextRole role, const char *s, long max_width)
{
	const char *ellipsis = f->builtin ? "..." : "\xe2\x80\xa6"; /* U+2026 */
	long dots = raw_width(f, role, ellipsis), w = 0;
	const char *p = s, *cut = s;
	uint32_t cp[4];
	char *out;

	if (font_width(f, role, s) <= max_width)
		return xstrdup(s);
	/* the longest start of whole characters (of UTF-8, even where the bitmap font escapes bytes) that fits */
	for (size_t n; (n = text_next(&p, cp, false)) > 0;) {
		if (f->builtin) {
			char piece[5] = { 0 };
			memcpy(piece, cut, (size_t)(p - cut));
			w += raw_width(f, role, piece);
		} else {
			for (size_t i = 0; i < n; i++)
				w += advance26(f, role, cp[i]);
		}
		if (to_pixels(f, role, w + dots) > max_width)
			break;
		cut = p;
	}
	out = xmalloc((size_t)(cut - s) + strlen(ellipsis) + 1);
	memcpy(out, s, (size_t)(cut - s));
	strcpy(out + (cut - s), ellipsis);
	return out;
}

/* Put coverage a (0..255) of ink at the text's point (u along, v down from the capitals' top). */
static void plot(Image *im, long x, long y, bool up, long u, long v, Rgb ink, unsigned a)
{
	if (up)
		image_blend(im, x + v, y - 1 - u, ink, a);
	else
		image_blend(im, x + u, y + v, ink, a);
}

void font_draw(Image *im, Font *f, TextRole role, long x, long y, const char *s, Rgb ink, bool up)
{
	TextMetrics m;
	FT_Pos pen = 0;
	uint32_t cp[4];

	font_metrics(f, role, &m);
	if (f->builtin) {
		int k = (int)(m.advance / FONT_ADVANCE);
		if (up)
			image_text_up(im, x, y, s, SIZE_MAX, ink, k);
		else
			image_text(im, x, y, s, SIZE_MAX, ink, k);
		return;
	}
	for (size_t n; (n = text_next(&s, cp, false)) > 0;)
		for (size_t i = 0; i < n; i++) {
			FT_Face face = load_glyph(f, role, cp[i]);
			FT_GlyphSlot g;
			if (face == NULL || FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL) != 0)
				continue;
			g = face->glyph;
			/* bitmap pixel (bx, by) is at u = pen + left + bx, v = cap - top + by */
			for (unsigned by = 0; by < g->bitmap.rows; by++) {
				const unsigned char *row = g->bitmap.buffer + (long)by * g->bitmap.pitch;
				for (unsigned bx = 0; bx < g->bitmap.width; bx++)
					if (row[bx])
						plot(im, x, y, up, round26(pen) + g->bitmap_left + (long)bx,
						     m.cap - g->bitmap_top + (long)by, ink, row[bx]);
			}
			pen += g->advance.x;
		}
}
