/*
 * libFuzzer target for the stream reader: any bytes must give tensors or one clean error,
 * never a crash, a hang or a sanitizer report. Build and run with `make fuzz`.
 * Errors leave through die() -> _exit(); linking with -Wl,--wrap=_exit brings them back here.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#include "stream.h"
#include "tensor.h"

static jmp_buf on_error;

void __wrap__exit(int status);
void __wrap__exit(int status)
{
	longjmp(on_error, status + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
	StreamReader *r;
	Tensor *t;

	if (f == NULL || size == 0) {
		if (f)
			fclose(f);
		return 0;
	}
	r = stream_from_file(f, "fuzz");
	if (setjmp(on_error) == 0) {
		while (stream_read(r, &t)) {
			FILE *sink = fopen("/dev/null", "w");
			WriteOptions text = { FORMAT_TEXT, 0 }, npy = { FORMAT_NPY, 0 };
			stream_write(sink, t, &text);
			stream_write(sink, t, &npy);
			fclose(sink);
			tensor_free(t);
		}
	}
	/* after an error the reader's buffers are abandoned, as the real program abandons them */
	fclose(f);
	return 0;
}
