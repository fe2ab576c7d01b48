/** For tests of the pure webhook handlers: the WebhookRejection a call throws. */
import { WebhookRejection } from '../../nodes/providers/webhook';

/** Runs `run` and returns the WebhookRejection it throws; any other outcome fails the test. */
export function rejection(run: () => unknown): WebhookRejection {
	try {
		run();
	} catch (error) {
		if (error instanceof WebhookRejection) return error;
		throw error;
	}
	throw new Error('expected a WebhookRejection, nothing was thrown');
}
