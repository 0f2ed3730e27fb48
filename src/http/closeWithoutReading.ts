// Closing a connection whose request body is left unread, so the client still gets the answer.
import type { ServerResponse } from 'node:http';

/**
 * Ends the connection once `res` is sent, leaving the rest of the request body unread. Closing a
 * socket with unread bytes resets it, and a reset can destroy the answer before the client reads
 * it; so the server sends its end, stops reading, and lets the client close first (or cuts it
 * off after `lingerMs`).
 */
export function closeWithoutReading(res: ServerResponse, lingerMs = 2000): void {
  const socket = res.socket;
  if (!socket) return;
  res.once('finish', () => {
    // Node resumes a request nobody read once its answer is sent, to drain it for the next one.
    res.req.pause();
    socket.end();
    setTimeout(() => socket.destroy(), lingerMs).unref();
  });
}
