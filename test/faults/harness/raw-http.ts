/**
 * HTTP/1.1 over a bare socket, for requests a well-behaved client refuses to send (header
 * injection, thousands of headers, a Content-Length that lies, a connection cut mid-body).
 */
import { connect } from 'node:net';

export interface RawRequest {
	method: string;
	path: string;
	/** Header lines exactly as sent (no validation: that is the point). */
	headerLines: string[];
	body: Buffer;
	/** Content-Length to announce; the body's length when absent, none when null. */
	contentLength?: number | null;
}

export interface RawResponse {
	status: number;
	headers: Record<string, string>;
	body: string;
	/** Set when no complete answer came back. */
	error?: string;
}

function decodeChunked(data: Buffer): Buffer {
	const parts: Buffer[] = [];
	let offset = 0;
	for (;;) {
		const lineEnd = data.indexOf('\r\n', offset);
		if (lineEnd < 0) break;
		const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
		if (!Number.isFinite(size) || size === 0) break;
		parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
		offset = lineEnd + 2 + size + 2;
	}
	return Buffer.concat(parts);
}

export function parseResponse(data: Buffer): RawResponse {
	const headEnd = data.indexOf('\r\n\r\n');
	if (headEnd < 0) return { status: 0, headers: {}, body: '', error: `incomplete answer: ${JSON.stringify(data.toString('latin1').slice(0, 200))}` };
	const [statusLine, ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
	const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
	const headers: Record<string, string> = {};
	for (const line of lines) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	let body = data.subarray(headEnd + 4);
	if (headers['transfer-encoding']?.includes('chunked')) body = decodeChunked(body);
	else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
	return { status: match ? Number(match[1]) : 0, headers, body: body.toString('utf8') };
}

/** Sends one request on a fresh connection (`Connection: close`) and reads the whole answer. */
export async function rawRequest(port: number, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
	return await new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		const chunks: Buffer[] = [];
		let settled = false;
		const finish = (error?: string) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			socket.destroy();
			const parsed = parseResponse(Buffer.concat(chunks));
			resolve(parsed.status === 0 && error ? { ...parsed, error: `${error}; ${parsed.error ?? ''}` } : parsed);
		};
		const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
		socket.on('connect', () => {
			const length = request.contentLength === undefined ? request.body.length : request.contentLength;
			const head = [
				`${request.method} ${request.path} HTTP/1.1`,
				`host: 127.0.0.1:${port}`,
				'connection: close',
				...request.headerLines,
				...(length === null ? [] : [`content-length: ${length}`]),
			].join('\r\n');
			socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), request.body]));
		});
		socket.on('data', (chunk: Buffer) => chunks.push(chunk));
		socket.on('end', () => finish());
		socket.on('close', () => finish('connection closed'));
		// An early answer (413) followed by a reset while we were still writing is normal.
		socket.on('error', (error) => finish(error.message));
	});
}

/** Opens a request announcing `announced` bytes, sends fewer, then cuts the connection. */
export async function abortedRequest(port: number, path: string, headerLines: string[], sent: Buffer, announced: number): Promise<void> {
	await new Promise<void>((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.on('connect', () => {
			const head = [`POST ${path} HTTP/1.1`, `host: 127.0.0.1:${port}`, ...headerLines, `content-length: ${announced}`].join('\r\n');
			socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), sent]), () => {
				socket.destroy();
				resolve();
			});
		});
		socket.on('error', () => resolve());
	});
}
