import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Envelope } from './envelope';

// What Node's HTTP parser refuses before express sees the request, and the status Node itself gives it.
const REFUSALS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'BAD_REQUEST',
    message: 'The request line and headers are too large',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The chunk extensions are too large',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'TIMEOUT', message: 'The request took too long to arrive' },
};
const MALFORMED = { status: 400, code: 'BAD_REQUEST', message: 'Malformed HTTP request' };

/** Every answer of this handler, for the document's `default` response of each operation. */
export const CLIENT_ERROR_ANSWERS = [MALFORMED, ...Object.values(REFUSALS)];

/**
 * The `clientError` handler: answers what Node's parser refused (a URL over 16 KB, a malformed request
 * line) in the envelope, like every other error; Node's own answer has the same status and no body.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node does: never write into a connection that is gone or already sending another answer.
  const answering = (socket as Duplex & { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || answering?._headerSent) {
    socket.destroy();
    return;
  }
  const { status, code, message } = REFUSALS[error.code ?? ''] ?? MALFORMED;
  const envelope: Envelope = { status, message, data: { code } };
  const body = JSON.stringify(envelope);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
