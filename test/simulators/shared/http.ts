/**
 * The small HTTP toolkit the provider simulators share: read a body, parse multipart/form-data
 * (Documenso, Dropbox Sign and DocuSeal's uploads), answer JSON, listen on an ephemeral port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MultipartPart {
	name: string;
	fileName?: string;
	contentType?: string;
	data: Buffer;
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** The parts of a multipart/form-data body; undefined when the content type is not multipart. */
export function parseMultipart(contentType: string | undefined, body: Buffer): MultipartPart[] | undefined {
	const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
	if (!boundary) return undefined;
	const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
	const parts: MultipartPart[] = [];
	let start = body.indexOf(delimiter);
	while (start !== -1) {
		const next = body.indexOf(delimiter, start + delimiter.length);
		if (next === -1) break;
		const part = body.subarray(start + delimiter.length + 2, next - 2);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const headers = part.subarray(0, headerEnd).toString('utf8');
			const name = /name="([^"]*)"/i.exec(headers)?.[1];
			if (name !== undefined) {
				parts.push({
					name,
					fileName: /filename="([^"]*)"/i.exec(headers)?.[1],
					contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
					data: part.subarray(headerEnd + 4),
				});
			}
		}
		start = next;
	}
	return parts;
}

/** A multipart/form-data body, as a provider's own HTTP client would build it. */
export function buildMultipart(
	fields: Array<{ name: string; value: string | Buffer; fileName?: string; contentType?: string }>,
	boundary = `----sim${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`,
): { body: Buffer; contentType: string } {
	const chunks: Buffer[] = [];
	for (const field of fields) {
		const disposition = `Content-Disposition: form-data; name="${field.name}"${field.fileName ? `; filename="${field.fileName}"` : ''}`;
		const type = field.contentType ? `\r\nContent-Type: ${field.contentType}` : '';
		chunks.push(Buffer.from(`--${boundary}\r\n${disposition}${type}\r\n\r\n`));
		chunks.push(Buffer.isBuffer(field.value) ? field.value : Buffer.from(field.value));
		chunks.push(Buffer.from('\r\n'));
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	const text = JSON.stringify(body);
	response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
	response.end(text);
}

export function sendBytes(response: ServerResponse, status: number, data: Buffer, headers: Record<string, string>) {
	response.writeHead(status, { 'content-length': data.length, ...headers });
	response.end(data);
}

export function parseJson(body: Buffer): unknown {
	try {
		return JSON.parse(body.toString('utf8'));
	} catch {
		return undefined;
	}
}

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface Listening {
	server: Server;
	url: string;
	close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0; handler errors become 500s so a bug shows up in the test. */
export async function listen(
	handler: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<void> | void,
): Promise<Listening> {
	const server = createServer((request, response) => {
		readBody(request)
			.then((body) => handler(request, response, body))
			.catch((error: unknown) => {
				if (!response.headersSent) sendJson(response, 500, { message: String(error) });
				else response.end();
			});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		server,
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** A minimal one-page PDF: what a "signed" download returns when no file was uploaded. */
export function pdfBytes(label: string): Buffer {
	return Buffer.from(`%PDF-1.4\n% ${label}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`);
}
