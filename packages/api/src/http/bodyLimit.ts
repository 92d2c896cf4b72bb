import { TRPCError } from "@trpc/server";

/**
 * Gives a Fetch `Request` the body limit the Node adapter has (`maxBodySize`), which tRPC's
 * fetch adapter lacks: a body over `maxBytes` fails with PAYLOAD_TOO_LARGE (413) while it is
 * read, before any of it is parsed. A declared Content-Length over the limit fails without
 * reading a byte. The error surfaces where tRPC reads the body, so it is formatted like every
 * other error (same shape as the Node adapter's 413).
 */
export function limitRequestBody(req: Request, maxBytes: number): Request {
  if (!req.body) return req;
  const tooLarge = () =>
    new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: `The request body is larger than ${maxBytes} bytes` });

  let body: ReadableStream<Uint8Array>;
  if (Number(req.headers.get("content-length")) > maxBytes) {
    req.body.cancel().catch(() => {});
    body = new ReadableStream({ start: (controller) => controller.error(tooLarge()) });
  } else {
    let size = 0;
    body = req.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > maxBytes) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      }),
    );
  }
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body,
    signal: req.signal,
    // Required by undici for a stream body; the request is read as it arrives.
    duplex: "half",
  } as RequestInit);
}
