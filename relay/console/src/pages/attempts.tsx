/** A delivery's attempts: when, the answer (status and its standard text, never the body), how long. */
import type { Attempt } from '../api';
import { when } from '../format';
import { Badge } from '../ui';

export function Attempts({ attempts }: { attempts: Attempt[] }) {
	if (attempts.length === 0) return <p class="muted small">No attempt yet.</p>;
	return (
		<ol class="attempts">
			{attempts.map((attempt, index) => (
				<li key={index}>
					<span class="muted">{when(attempt.at)}</span>{' '}
					{attempt.outcome === 'delivered' ? <Badge value="delivered" text={`HTTP ${attempt.status}`} /> : <Badge value="dead" text={attempt.error ?? attempt.outcome} />}
					{attempt.durationMs !== null && <span class="muted small"> {attempt.durationMs} ms</span>}
				</li>
			))}
		</ol>
	);
}
