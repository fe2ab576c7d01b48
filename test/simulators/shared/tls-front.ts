/**
 * A TLS front for a plain-HTTP simulator: terminates TLS on 127.0.0.1 with a throwaway
 * self-signed certificate (subjectAltName IP:127.0.0.1) and pipes the bytes to the simulator.
 * For SDKs that only speak HTTPS (SignNow's `@signnow/api-client`, DocuSign's OAuth calls):
 * the test trusts `certificatePem` (e.g. `https.globalAgent.options.ca`), nothing else changes.
 */
import { connect, type Socket } from 'node:net';
import { createServer } from 'node:tls';

import { createSelfSignedCertificate } from '../legalesign/certificate';

export interface TlsFront {
	host: string;
	port: number;
	/** `https://127.0.0.1:<port>` */
	url: string;
	certificatePem: string;
	close(): Promise<void>;
}

export async function startTlsFront(targetUrl: string): Promise<TlsFront> {
	const target = new URL(targetUrl);
	const { privateKey, certificatePem } = createSelfSignedCertificate('sdk-test.simulator', ['127.0.0.1']);
	const sockets = new Set<Socket>();
	const server = createServer(
		{ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: certificatePem },
		(client) => {
			const upstream = connect(Number(target.port), target.hostname);
			sockets.add(client);
			sockets.add(upstream);
			const drop = () => {
				client.destroy();
				upstream.destroy();
				sockets.delete(client);
				sockets.delete(upstream);
			};
			client.on('error', drop).on('close', drop);
			upstream.on('error', drop).on('close', drop);
			client.pipe(upstream).pipe(client);
		},
	);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return {
		host: '127.0.0.1',
		port,
		url: `https://127.0.0.1:${port}`,
		certificatePem,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
