/** The lifecycle tests run the built relay CLI as a child process: build it if a source changed. */
import { buildRelay, relayBuildIsStale } from './helpers/relay-build';

export default function globalSetup(): void {
	if (relayBuildIsStale()) buildRelay();
}
