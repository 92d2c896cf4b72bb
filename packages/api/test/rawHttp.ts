import net from "node:net";

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: "GET" | "POST";
  /** Path and query, sent exactly as given. */
  target: string;
  /** Header lines, sent exactly as given (names may repeat; values may hold any bytes). */
  headers: [name: string, value: string][];
  body?: Buffer | string;
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
}

/**
 * One HTTP/1.1 exchange over a bare socket. Node's and undici's clients refuse to send
 * control characters or repeated headers; an attacker's client does not, so neither do we.
 * Header values are written as UTF-8, the body as given. CR, LF and NUL in a header value
 * are refused here: they would end the value (framing), not be part of it.
 */
export function rawRequest(port: number, request: RawRequest): Promise<RawAnswer> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: close"];
  for (const [name, value] of request.headers) {
    if (/[\r\n\0]/.test(value)) throw new Error(`header ${name} holds CR, LF or NUL: ${JSON.stringify(value)}`);
    lines.push(`${name}: ${value}`);
  }
  if (body && request.chunked) lines.push("Transfer-Encoding: chunked");
  else if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8");
  const payload = !body ? head : request.chunked ? Buffer.concat([head, chunk(body)]) : Buffer.concat([head, body]);

  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (data) => received.push(data));
    // The server may answer (413, 400) and close before it has read everything we send.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    socket.on("close", () => {
      const answer = parseAnswer(Buffer.concat(received));
      if (answer) resolve(answer);
      else reject(new Error(`no HTTP answer: ${JSON.stringify(Buffer.concat(received).toString("latin1"))}`));
    });
    // Not end(): Node's server drops a request whose client half-closes before the answer.
    // "Connection: close" makes the server close once it has answered.
    socket.write(payload);
  });
}

/** The body as chunks of at most 16 KiB, then the last chunk. */
function chunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += 16_384) {
    const piece = body.subarray(offset, offset + 16_384);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

function parseAnswer(raw: Buffer): RawAnswer | null {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
  if (!status) return null;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"] === "chunked") body = unchunk(body);
  return { status, headers, body: body.toString("utf8") };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf("\r\n", offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
