// Whether a request announces a body, from its framing headers alone (nothing is read).

/** A Content-Length other than 0, or a Transfer-Encoding: a body follows. */
export function declaresBody(contentLength: string | undefined, transferEncoding: string | undefined): boolean {
  return (contentLength !== undefined && contentLength !== '0') || transferEncoding !== undefined;
}
