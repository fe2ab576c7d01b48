/**
 * The SignNow simulator, for the node's, the trigger's and the relay's tests:
 *
 *   const sim = await startSignNowSimulator();
 *   // sim.url → credentials' Custom Base URL; sim.application / sim.user / sim.apiKey → credentials
 *   await simulatorControl(sim).sign(documentId);          // signs, then POSTs signed callbacks
 *   await simulatorControl(sim).rateLimit(2, 0);           // next 2 API calls answer 429
 *   await simulatorControl(sim).expireTokens();            // OAuth tokens expire → 401
 *   await sim.close();
 */
import type { SignNowSimulator } from './server';

export { SIGNNOW_SIM_EVENTS, startSignNowSimulator, type SignNowSimulator, type SignNowSimulatorOptions } from './server';
export type { SignNowState, SimDelivery, SimDocument, SimSubscription } from './state';

async function post(simulator: SignNowSimulator, path: string, body: unknown): Promise<Record<string, unknown>> {
	const response = await fetch(`${simulator.url}/__sim/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const json = (await response.json()) as Record<string, unknown>;
	if (!response.ok) throw new Error(`simulator ${path} failed: ${response.status} ${JSON.stringify(json)}`);
	return json;
}

/** The control routes, over HTTP as any other process (the relay's e2e tests) would call them. */
export function simulatorControl(simulator: SignNowSimulator) {
	return {
		sign: (documentId: string, email?: string) => post(simulator, 'sign', { documentId, email }),
		decline: (documentId: string, email?: string) => post(simulator, 'sign', { documentId, email, decline: true }),
		rateLimit: (count: number, retryAfter: number) => post(simulator, 'rate-limit', { count, retryAfter }),
		expireTokens: () => post(simulator, 'expire-tokens', {}),
	};
}
