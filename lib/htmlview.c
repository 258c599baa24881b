/* SPDX-License-Identifier: MIT */
#include "htmlview.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "font.h"
#include "utf8.h"

/* T = query positions (rows), S = key positions (columns), H = heads, L = layers */

/*
 * The page, with two holes: @TITLE@ (the title, as HTML text) and @DATA@ (the weights, as JSON). The
 * script draws the head view on a <canvas> with one path per step of opacity, so that 512 x 512 weights
 * are a few strokes, not 262144 SVG elements (what makes bertviz give up near 512 tokens).
 */
static const char page[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>@TITLE@</title>\n"
	"<style>\n"
	"body { font: 13px 'DejaVu Sans', 'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif; margin: 12px; color: #222; }\n"
	"h1 { font-size: 18px; font-weight: normal; margin: 0 0 8px; }\n"
	"#bar { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; margin-bottom: 10px; }\n"
	"#bar label { white-space: nowrap; }\n"
	"#thr { width: 5em; }\n"
	"#legend span { display: inline-block; padding: 0 6px; margin-right: 4px; border-radius: 3px; color: #fff; }\n"
	"#headview { position: relative; }\n"
	"#lines { position: absolute; top: 0; }\n"
	".tok { position: absolute; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 4px;\n"
	"       border-radius: 3px; cursor: default; box-sizing: border-box; }\n"
	".tok.q { text-align: right; }\n"
	".tok.hot { outline: 1px solid #444; }\n"
	"#matrix { cursor: crosshair; }\n"
	"#tip { position: fixed; pointer-events: none; background: #fff; border: 1px solid #888; border-radius: 3px;\n"
	"       padding: 2px 6px; display: none; white-space: nowrap; }\n"
	"#status { color: #555; }\n"
	"</style>\n"
	"</head>\n"
	"<body>\n"
	"<h1 id=\"title\"></h1>\n"
	"<div id=\"bar\">\n"
	"<label>view <select id=\"view\"><option value=\"head\">head view</option><option value=\"matrix\">matrix view</option></select></label>\n"
	"<label id=\"layerbox\">layer <select id=\"layer\"></select></label>\n"
	"<label id=\"headbox\">head <select id=\"head\"></select></label>\n"
	"<label>lines above <input id=\"thr\" type=\"number\" min=\"0\" max=\"1\" step=\"0.01\"></label>\n"
	"<span id=\"legend\"></span>\n"
	"<span id=\"status\"></span>\n"
	"</div>\n"
	"<div id=\"headview\"><canvas id=\"lines\"></canvas></div>\n"
	"<div id=\"matrixview\" hidden><canvas id=\"matrix\"></canvas></div>\n"
	"<div id=\"tip\"></div>\n"
	"<pre id=\"selftest\" hidden></pre>\n"
	"<script id=\"data\" type=\"application/json\">@DATA@</script>\n"
	"<script>\n"
	"\"use strict\";\n"
	"// The page of `heatmap --html`: the attention of every head as lines between the tokens (a head view, after\n"
	"// bertviz) and as coloured matrices. Everything is in this file: no network, no library.\n"
	"const errors = [];\n"
	"window.addEventListener(\"error\", e => errors.push(String(e.message)));\n"
	"const D = JSON.parse(document.getElementById(\"data\").textContent);\n"
	"const T = D.rows.length, S = D.cols.length, ROW = 18, GAP = 260;\n"
	"const PALETTE = [\"#1f77b4\", \"#ff7f0e\", \"#2ca02c\", \"#d62728\", \"#9467bd\", \"#8c564b\", \"#e377c2\", \"#7f7f7f\",\n"
	"                 \"#bcbd22\", \"#17becf\"];\n"
	"const $ = id => document.getElementById(id);\n"
	"const state = { view: \"head\", layer: D.panels[0].layer, head: D.panels[0].head, thr: D.threshold,\n"
	"                side: null, index: -1, drawn: 0 };\n"
	"const layers = [...new Set(D.panels.map(p => p.layer))];\n"
	"const headsOf = l => D.panels.filter(p => p.layer === l).map(p => p.head);\n"
	"const color = h => h < PALETTE.length ? PALETTE[h] : \"hsl(\" + (h * 137.5 % 360) + \",60%,45%)\";\n"
	"const shown = () => D.panels.filter(p => p.layer === state.layer && (state.head === \"all\" || p.head === state.head));\n"
	"\n"
	"function option(select, value, text) {\n"
	"\tconst o = document.createElement(\"option\");\n"
	"\to.value = value;\n"
	"\to.textContent = text;\n"
	"\tselect.appendChild(o);\n"
	"}\n"
	"\n"
	"function fillHeads() {\n"
	"\tconst sel = $(\"head\"), heads = headsOf(state.layer);\n"
	"\tsel.textContent = \"\";\n"
	"\tif (heads.length > 1)\n"
	"\t\toption(sel, \"all\", \"all heads\");\n"
	"\tfor (const h of heads)\n"
	"\t\toption(sel, h, h);\n"
	"\tif (state.head !== \"all\" && !heads.includes(state.head))\n"
	"\t\tstate.head = heads[0];\n"
	"\tsel.value = state.head;\n"
	"\t$(\"headbox\").hidden = heads.length < 2 && D.ndim < 3;\n"
	"}\n"
	"\n"
	"// ---- head view: queries on the left, keys on the right, a line from query t to key s of opacity w[t][s]\n"
	"let qTok = [], kTok = [];\n"
	"\n"
	"function layoutHeadView() {\n"
	"\tconst box = $(\"headview\"), probe = $(\"lines\").getContext(\"2d\");\n"
	"\tprobe.font = getComputedStyle(document.body).font;\n"
	"\tconst width = labels => Math.min(220, Math.max(40, ...labels.map(s => probe.measureText(s).width)) + 12);\n"
	"\tconst qw = width(D.rows), kw = width(D.cols), height = Math.max(T, S) * ROW;\n"
	"\tconst canvas = $(\"lines\"), ratio = window.devicePixelRatio || 1;\n"
	"\tbox.style.height = height + \"px\";\n"
	"\tcanvas.style.left = qw + \"px\";\n"
	"\tcanvas.style.width = GAP + \"px\";\n"
	"\tcanvas.style.height = height + \"px\";\n"
	"\tcanvas.width = GAP * ratio;\n"
	"\tcanvas.height = height * ratio;\n"
	"\tconst make = (labels, cls, left, w, side) => labels.map((s, i) => {\n"
	"\t\tconst d = document.createElement(\"div\");\n"
	"\t\td.className = \"tok \" + cls;\n"
	"\t\td.textContent = s;\n"
	"\t\td.title = s;\n"
	"\t\td.style.cssText = \"left:\" + left + \"px;top:\" + i * ROW + \"px;width:\" + w + \"px;height:\" + ROW + \"px;line-height:\" + ROW + \"px\";\n"
	"\t\td.addEventListener(\"mouseenter\", () => hover(side, i));\n"
	"\t\td.addEventListener(\"mouseleave\", () => hover(null, -1));\n"
	"\t\tbox.appendChild(d);\n"
	"\t\treturn d;\n"
	"\t});\n"
	"\tqTok = make(D.rows, \"q\", 0, qw, \"q\");\n"
	"\tkTok = make(D.cols, \"k\", qw + GAP, kw, \"k\");\n"
	"}\n"
	"\n"
	"function hover(side, index) {\n"
	"\tstate.side = side;\n"
	"\tstate.index = index;\n"
	"\tdraw();\n"
	"}\n"
	"\n"
	"function drawHeadView() {\n"
	"\tconst canvas = $(\"lines\"), ctx = canvas.getContext(\"2d\"), ratio = canvas.width / GAP;\n"
	"\tctx.setTransform(ratio, 0, 0, ratio, 0, 0);\n"
	"\tctx.clearRect(0, 0, GAP, canvas.height);\n"
	"\tctx.lineWidth = 1.5;\n"
	"\tlet drawn = 0;\n"
	"\tconst strength = new Float32Array(state.side === \"q\" ? S : T);\n"
	"\tfor (const p of shown()) {\n"
	"\t\t// one path per step of opacity: a few strokes instead of one per line, for 512 x 512 weights\n"
	"\t\tconst paths = Array.from({ length: 33 }, () => new Path2D());\n"
	"\t\tconst t0 = state.side === \"q\" ? state.index : 0, t1 = state.side === \"q\" ? state.index + 1 : T;\n"
	"\t\tfor (let t = t0; t < t1; t++)\n"
	"\t\t\tfor (let s = 0; s < S; s++) {\n"
	"\t\t\t\tif (state.side === \"k\" && s !== state.index)\n"
	"\t\t\t\t\tcontinue;\n"
	"\t\t\t\tconst w = p.w[t * S + s];\n"
	"\t\t\t\tif (!(w > state.thr))\n"
	"\t\t\t\t\tcontinue;\n"
	"\t\t\t\tconst path = paths[Math.round(Math.min(1, w) * 32)];\n"
	"\t\t\t\tpath.moveTo(0, (t + 0.5) * ROW);\n"
	"\t\t\t\tpath.lineTo(GAP, (s + 0.5) * ROW);\n"
	"\t\t\t\tdrawn++;\n"
	"\t\t\t\tif (state.side === \"q\")\n"
	"\t\t\t\t\tstrength[s] = Math.max(strength[s], w);\n"
	"\t\t\t\telse if (state.side === \"k\")\n"
	"\t\t\t\t\tstrength[t] = Math.max(strength[t], w);\n"
	"\t\t\t}\n"
	"\t\tctx.strokeStyle = color(p.head);\n"
	"\t\tpaths.forEach((path, a) => {\n"
	"\t\t\tif (a === 0)\n"
	"\t\t\t\treturn;\n"
	"\t\t\tctx.globalAlpha = Math.max(0.04, a / 32);\n"
	"\t\t\tctx.stroke(path);\n"
	"\t\t});\n"
	"\t}\n"
	"\tctx.globalAlpha = 1;\n"
	"\t// the hovered token is outlined; those at the other end of its lines are shaded by their strongest weight\n"
	"\tconst shade = (toks, on, hot) => toks.forEach((d, i) => {\n"
	"\t\td.classList.toggle(\"hot\", i === hot);\n"
	"\t\td.style.background = on ? \"rgba(31,119,180,\" + Math.min(1, strength[i]).toFixed(3) + \")\" : \"\";\n"
	"\t});\n"
	"\tshade(qTok, state.side === \"k\", state.side === \"q\" ? state.index : -1);\n"
	"\tshade(kTok, state.side === \"q\", state.side === \"k\" ? state.index : -1);\n"
	"\treturn drawn;\n"
	"}\n"
	"\n"
	"// ---- matrix view: each head shown as a T x S grid of cells in the picture's colours, values on hover\n"
	"let grid = null;\n"
	"\n"
	"function drawMatrixView() {\n"
	"\tconst panels = shown(), n = panels.length, cols = n <= 4 ? n : Math.ceil(Math.sqrt(n));\n"
	"\tconst cell = Math.max(1, Math.min(32, Math.floor((Math.max(600, window.innerWidth) - 40 - cols * 200) / (cols * Math.max(T, S)))));\n"
	"\tconst canvas = $(\"matrix\"), ctx = canvas.getContext(\"2d\");\n"
	"\tctx.font = getComputedStyle(document.body).font;\n"
	"\tconst lw = Math.ceil(Math.min(160, Math.max(...D.rows.map(s => ctx.measureText(s).width)))) + 6;\n"
	"\tconst lh = Math.ceil(Math.min(160, Math.max(...D.cols.map(s => ctx.measureText(s).width)))) + 6;\n"
	"\tconst every = Math.ceil(14 / cell), title = 18;\n"
	"\tconst bw = lw + S * cell + 16, bh = title + lh + T * cell + 16;\n"
	"\tconst rows = Math.ceil(n / cols);\n"
	"\tcanvas.width = cols * bw;\n"
	"\tcanvas.height = rows * bh;\n"
	"\tctx.font = getComputedStyle(document.body).font;\n"
	"\tctx.fillStyle = \"#fff\";\n"
	"\tctx.fillRect(0, 0, canvas.width, canvas.height);\n"
	"\tgrid = { panels, cols, cell, lw, lh, bw, bh, title };\n"
	"\tpanels.forEach((p, k) => {\n"
	"\t\tconst x0 = (k % cols) * bw + lw, y0 = Math.floor(k / cols) * bh + title + lh;\n"
	"\t\tctx.fillStyle = \"#222\";\n"
	"\t\tctx.textBaseline = \"alphabetic\";\n"
	"\t\tctx.textAlign = \"left\";\n"
	"\t\tif (p.title)\n"
	"\t\t\tctx.fillText(p.title, x0, y0 - lh - 4);\n"
	"\t\tfor (let t = 0; t < T; t++)\n"
	"\t\t\tfor (let s = 0; s < S; s++) {\n"
	"\t\t\t\tconst v = p.w[t * S + s];\n"
	"\t\t\t\tif (v === null) { // masked (-inf): light grey, hatched, outside the scale\n"
	"\t\t\t\t\tctx.fillStyle = \"#e8e8e8\";\n"
	"\t\t\t\t\tctx.fillRect(x0 + s * cell, y0 + t * cell, cell, cell);\n"
	"\t\t\t\t\tctx.strokeStyle = \"#969696\";\n"
	"\t\t\t\t\tctx.beginPath();\n"
	"\t\t\t\t\tctx.moveTo(x0 + s * cell, y0 + (t + 1) * cell);\n"
	"\t\t\t\t\tctx.lineTo(x0 + (s + 1) * cell, y0 + t * cell);\n"
	"\t\t\t\t\tctx.stroke();\n"
	"\t\t\t\t\tcontinue;\n"
	"\t\t\t\t}\n"
	"\t\t\t\tlet i = Math.floor((v - D.vmin) / (D.vmax - D.vmin) * 256);\n"
	"\t\t\t\tctx.fillStyle = D.lut[Math.max(0, Math.min(255, isNaN(i) ? 0 : i))];\n"
	"\t\t\t\tctx.fillRect(x0 + s * cell, y0 + t * cell, cell, cell);\n"
	"\t\t\t}\n"
	"\t\tctx.fillStyle = \"#222\";\n"
	"\t\tctx.textBaseline = \"middle\";\n"
	"\t\tctx.textAlign = \"right\";\n"
	"\t\tfor (let t = 0; t < T; t += every)\n"
	"\t\t\tctx.fillText(D.rows[t], x0 - 3, y0 + (t + 0.5) * cell, lw - 6);\n"
	"\t\tctx.save();\n"
	"\t\tctx.translate(x0, y0);\n"
	"\t\tctx.rotate(-Math.PI / 2);\n"
	"\t\tctx.textAlign = \"left\";\n"
	"\t\tfor (let s = 0; s < S; s += every)\n"
	"\t\t\tctx.fillText(D.cols[s], 3, (s + 0.5) * cell, lh - 6);\n"
	"\t\tctx.restore();\n"
	"\t});\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"// The cell under the pointer: \"query → key: weight (head)\" in a tooltip.\n"
	"function matrixTip(e) {\n"
	"\tconst tip = $(\"tip\"), r = $(\"matrix\").getBoundingClientRect(), g = grid;\n"
	"\tconst x = e.clientX - r.left, y = e.clientY - r.top;\n"
	"\tconst k = Math.floor(y / g.bh) * g.cols + Math.floor(x / g.bw);\n"
	"\tconst s = Math.floor((x % g.bw - g.lw) / g.cell), t = Math.floor((y % g.bh - g.title - g.lh) / g.cell);\n"
	"\tif (k >= g.panels.length || s < 0 || s >= S || t < 0 || t >= T || x >= g.cols * g.bw) {\n"
	"\t\ttip.style.display = \"none\";\n"
	"\t\treturn;\n"
	"\t}\n"
	"\tconst p = g.panels[k];\n"
	"\ttip.textContent = D.rows[t] + \" \\u2192 \" + D.cols[s] + \": \" + (p.w[t * S + s] === null ? \"masked\" : p.w[t * S + s]) + (p.title ? \"  (\" + p.title + \")\" : \"\");\n"
	"\ttip.style.left = e.clientX + 14 + \"px\";\n"
	"\ttip.style.top = e.clientY + 14 + \"px\";\n"
	"\ttip.style.display = \"block\";\n"
	"}\n"
	"\n"
	"function draw() {\n"
	"\t$(\"headview\").hidden = state.view !== \"head\";\n"
	"\t$(\"matrixview\").hidden = state.view !== \"matrix\";\n"
	"\tstate.drawn = state.view === \"head\" ? drawHeadView() : drawMatrixView();\n"
	"\tconst legend = $(\"legend\");\n"
	"\tlegend.textContent = \"\";\n"
	"\tif (state.view === \"head\" && state.head === \"all\")\n"
	"\t\tfor (const p of shown()) {\n"
	"\t\t\tconst span = document.createElement(\"span\");\n"
	"\t\t\tspan.style.background = color(p.head);\n"
	"\t\t\tspan.textContent = \"head \" + p.head;\n"
	"\t\t\tlegend.appendChild(span);\n"
	"\t\t}\n"
	"\t$(\"status\").textContent = state.view === \"head\" ?\n"
	"\t\tstate.drawn + \" lines (weights above \" + state.thr + \")\" + (state.side ? \"\" : \"; hover a token to see only its lines\") :\n"
	"\t\t\"colours \" + D.vmin + \" to \" + D.vmax + (D.masked ? \"; hatched grey: masked\" : \"\") + \"; hover a cell for its value\";\n"
	"\tdocument.body.dataset.lines = state.drawn;\n"
	"}\n"
	"\n"
	"// A test drives the page as a reader would, through its own event handlers: open it with\n"
	"// #selftest&q=ROW&k=COL&cell=ROW,COL[&thr=X] and the results are written as JSON into <pre id=\"selftest\">.\n"
	"function selftest(args) {\n"
	"\tconst out = {};\n"
	"\tconst enter = (d, type) => d.dispatchEvent(new MouseEvent(type));\n"
	"\tif (args.thr !== undefined) {\n"
	"\t\t$(\"thr\").value = args.thr;\n"
	"\t\t$(\"thr\").dispatchEvent(new Event(\"input\"));\n"
	"\t}\n"
	"\tout.lines = state.drawn;\n"
	"\tenter(qTok[args.q], \"mouseenter\");\n"
	"\tout.q_lines = state.drawn;\n"
	"\tenter(qTok[args.q], \"mouseleave\");\n"
	"\tout.after = state.drawn;\n"
	"\tenter(kTok[args.k], \"mouseenter\");\n"
	"\tout.k_lines = state.drawn;\n"
	"\tenter(kTok[args.k], \"mouseleave\");\n"
	"\tif ([...$(\"head\").options].some(o => o.value === \"all\")) {\n"
	"\t\t$(\"head\").value = \"all\";\n"
	"\t\t$(\"head\").dispatchEvent(new Event(\"change\"));\n"
	"\t\tout.all_lines = state.drawn;\n"
	"\t}\n"
	"\t$(\"view\").value = \"matrix\";\n"
	"\t$(\"view\").dispatchEvent(new Event(\"change\"));\n"
	"\tconst r = $(\"matrix\").getBoundingClientRect(), [t, s] = args.cell.split(\",\").map(Number);\n"
	"\t$(\"matrix\").dispatchEvent(new MouseEvent(\"mousemove\", { clientX: r.left + grid.lw + (s + 0.5) * grid.cell,\n"
	"\t\tclientY: r.top + grid.title + grid.lh + (t + 0.5) * grid.cell }));\n"
	"\tout.tip = $(\"tip\").textContent;\n"
	"\tout.errors = errors;\n"
	"\t$(\"selftest\").textContent = JSON.stringify(out);\n"
	"}\n"
	"\n"
	"function start() {\n"
	"\t$(\"title\").textContent = D.title;\n"
	"\tdocument.title = D.title || \"attention\";\n"
	"\tfor (const l of layers)\n"
	"\t\toption($(\"layer\"), l, l);\n"
	"\t$(\"layerbox\").hidden = D.ndim < 4;\n"
	"\tfillHeads();\n"
	"\t$(\"thr\").value = state.thr;\n"
	"\t$(\"view\").addEventListener(\"change\", e => { state.view = e.target.value; draw(); });\n"
	"\t$(\"layer\").addEventListener(\"change\", e => { state.layer = Number(e.target.value); fillHeads(); draw(); });\n"
	"\t$(\"head\").addEventListener(\"change\", e => {\n"
	"\t\tstate.head = e.target.value === \"all\" ? \"all\" : Number(e.target.value);\n"
	"\t\tdraw();\n"
	"\t});\n"
	"\t$(\"thr\").addEventListener(\"input\", e => {\n"
	"\t\tconst v = Number(e.target.value);\n"
	"\t\tif (v >= 0 && v <= 1) {\n"
	"\t\t\tstate.thr = v;\n"
	"\t\t\tdraw();\n"
	"\t\t}\n"
	"\t});\n"
	"\t$(\"matrix\").addEventListener(\"mousemove\", matrixTip);\n"
	"\t$(\"matrix\").addEventListener(\"mouseleave\", () => { $(\"tip\").style.display = \"none\"; });\n"
	"\tlayoutHeadView();\n"
	"\tdraw();\n"
	"\tif (location.hash.startsWith(\"#selftest\")) {\n"
	"\t\tconst args = Object.fromEntries(location.hash.slice(1).split(\"&\").map(a => a.split(\"=\")));\n"
	"\t\ttry {\n"
	"\t\t\tselftest({ q: Number(args.q || 0), k: Number(args.k || 0), cell: args.cell || \"0,0\", thr: args.thr });\n"
	"\t\t} catch (e) {\n"
	"\t\t\terrors.push(String(e));\n"
	"\t\t\t$(\"selftest\").textContent = JSON.stringify({ errors });\n"
	"\t\t}\n"
	"\t}\n"
	"}\n"
	"start();\n"
	"</script>\n"
	"</body>\n"
	"</html>\n";

/* s as the characters the pictures draw (\xHH for bytes that are no character), escaped for JSON inside
 * a <script>: '<', '>' and '&' as \u escapes, so that no "</script>" can end it early. */
static void json_string(FILE *f, const char *s)
{
	uint32_t cp[4];
	char utf8[4];

	fputc('"', f);
	for (size_t n; (n = text_next(&s, cp, false)) > 0;)
		for (size_t i = 0; i < n; i++) {
			uint32_t c = cp[i];
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", (char)c);
			else if (c < 0x20 || c == '<' || c == '>' || c == '&')
				fprintf(f, "\\u%04x", (unsigned)c);
			else
				fwrite(utf8, 1, utf8_encode(utf8, c), f);
		}
	fputc('"', f);
}

/* A number for JSON: 4 significant digits (what a reader can see), null for NaN and infinities. */
static void json_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.4g", v);
	else
		fputs("null", f);
}

static void json_labels(FILE *f, const Panel *p, bool rows)
{
	size_t n = rows ? p->rows : p->cols;
	char buf[32];

	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_string(f, rows ? heatmap_label(p->row_labels, p->row0, i, buf, sizeof(buf))
				    : heatmap_label(p->col_labels, p->col0, i, buf, sizeof(buf)));
	}
	fputc(']', f);
}

static void write_data(FILE *f, const Panel *panels, size_t count, const HeatmapStyle *st, int ndim)
{
	fputs("{\"title\":", f);
	json_string(f, st->title ? st->title : "");
	fprintf(f, ",\"ndim\":%d,\"threshold\":", ndim);
	json_number(f, HTMLVIEW_THRESHOLD);
	fputs(",\"vmin\":", f);
	json_number(f, st->vmin);
	fputs(",\"vmax\":", f);
	json_number(f, st->vmax);
	fprintf(f, ",\"masked\":%s", st->masked ? "true" : "false");
	fputs(",\n\"rows\":", f);
	json_labels(f, &panels[0], true);
	fputs(",\n\"cols\":", f);
	json_labels(f, &panels[0], false);
	fputs(",\n\"lut\":[", f);
	for (size_t k = 0; k < COLORMAP_N; k++)
		fprintf(f, "%s\"#%02x%02x%02x\"", k ? "," : "", st->map->lut[k].r, st->map->lut[k].g, st->map->lut[k].b);
	fputs("],\n\"panels\":[", f);
	for (size_t i = 0; i < count; i++) {
		const Panel *p = &panels[i];
		fprintf(f, "%s\n{\"layer\":%zu,\"head\":%zu,\"title\":", i ? "," : "", p->layer, p->head);
		json_string(f, p->title);
		fputs(",\"w\":[", f);
		/* w[t * S + s] = weight of query t on key s */
		for (size_t t = 0; t < p->rows; t++) {
			const float *row = p->data + t * p->stride;
			for (size_t s = 0; s < p->cols; s++) {
				if (t || s)
					fputc(',', f);
				json_number(f, row[s]);
			}
			if (t + 1 < p->rows)
				fputc('\n', f);
		}
		fputs("]}", f);
	}
	fputs("]}", f);
}

void htmlview_write(FILE *f, const Panel *panels, size_t count, const HeatmapStyle *st, int ndim)
{
	const char *title = strstr(page, "@TITLE@"), *data = strstr(page, "@DATA@");

	fwrite(page, 1, (size_t)(title - page), f);
	heatmap_xml_text(f, st->title && st->title[0] ? st->title : "attention");
	title += strlen("@TITLE@");
	fwrite(title, 1, (size_t)(data - title), f);
	write_data(f, panels, count, st, ndim);
	data += strlen("@DATA@");
	fputs(data, f);
}
