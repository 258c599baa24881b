/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the stream reader: any bytes must give tensors or one clean error,
 * never a crash, a hang or a sanitizer report. Build and run with `make fuzz`.
 */
#include <stdio.h>

#include "harness.h"
#include "stream.h"
#include "tensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	FILE *f;
	StreamReader *r;
	Tensor *t;
	bool failed;

	if (size == 0 || (f = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	fuzz_begin();
	r = stream_from_file(f, "fuzz");
	failed = setjmp(fuzz_on_error) != 0;
	if (!failed) {
		while (stream_read(r, &t)) {
			WriteOptions text = { FORMAT_TEXT, 0 }, binary = { FORMAT_BINARY, 0 }, npy = { FORMAT_NPY, 0 };
			stream_write(sink, t, &text);
			stream_write(sink, t, &binary);
			stream_write(sink, t, &npy);
			tensor_free(t);
		}
	}
	stream_close(r);
	fuzz_end(failed);
	fclose(f);
	return 0;
}
