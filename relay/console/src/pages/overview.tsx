/** "Is the relay taking events and delivering them?": live counters and the last hour. */
import type { Minute, Stats } from '../api';
import { Notice } from '../ui';
import { usePoll } from './poll';

const SERIES = [
	{ key: 'received', label: 'Received', className: 'line-received', dash: '' },
	{ key: 'delivered', label: 'Delivered', className: 'line-delivered', dash: '6 3' },
	{ key: 'rejected', label: 'Rejected', className: 'line-rejected', dash: '2 3' },
	{ key: 'dead', label: 'Dead-lettered', className: 'line-dead', dash: '10 3 2 3' },
] as const;

function Chart({ minutes }: { minutes: Minute[] }) {
	const width = 600;
	const height = 160;
	const max = Math.max(1, ...minutes.flatMap((row) => SERIES.map((series) => row[series.key])));
	const x = (index: number) => (index / Math.max(1, minutes.length - 1)) * width;
	const y = (value: number) => height - 2 - (value / max) * (height - 8);
	const summary = SERIES.map((series) => `${series.label} ${minutes.reduce((sum, row) => sum + row[series.key], 0)}`).join(', ');
	// The plot stretches to the width (the lines keep their thickness); the words stay HTML, so
	// they keep their size on a phone.
	return (
		<figure class="chart">
			<div class="chart-scale muted small" aria-hidden="true">
				{max} per minute
			</div>
			<svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`Events per minute, last hour: ${summary}`}>
				<line x1="0" y1={height - 1} x2={width} y2={height - 1} class="axis" vector-effect="non-scaling-stroke" />
				{SERIES.map((series) => (
					<polyline
						key={series.key}
						class={series.className}
						stroke-dasharray={series.dash || undefined}
						vector-effect="non-scaling-stroke"
						fill="none"
						points={minutes.map((row, index) => `${x(index).toFixed(1)},${y(row[series.key]).toFixed(1)}`).join(' ')}
					/>
				))}
			</svg>
			<div class="chart-axis muted small" aria-hidden="true">
				<span>60 min ago</span>
				<span>now</span>
			</div>
			<figcaption>
				<ul class="legend">
					{SERIES.map((series) => (
						<li key={series.key}>
							<svg width="28" height="8" aria-hidden="true">
								<line x1="0" y1="4" x2="28" y2="4" class={series.className} stroke-dasharray={series.dash || undefined} />
							</svg>
							{series.label}
						</li>
					))}
				</ul>
			</figcaption>
		</figure>
	);
}

function Counter({ label, value, hint }: { label: string; value: number; hint?: string }) {
	return (
		<div class="counter">
			<dt>{label}</dt>
			<dd>
				<span class="value">{value.toLocaleString()}</span>
				{hint && <span class="hint">{hint}</span>}
			</dd>
		</div>
	);
}

export function Overview({ admin }: { admin: boolean }) {
	const { data, error } = usePoll<Stats>('/stats', 5000);
	const hour = data?.lastHour;
	return (
		<section>
			<h1 tabIndex={-1}>Overview</h1>
			{error && <Notice error>{error}</Notice>}
			{data && (
				<>
					<h2>Right now</h2>
					<dl class="counters" data-testid="queues">
						<Counter label="Queued" value={data.queues.queued} />
						<Counter label="In flight" value={data.queues.inFlight} />
						<Counter label="Retrying" value={data.queues.retrying} />
						<Counter label="Dead letters" value={data.queues.dead} hint={data.queues.dead > 0 ? 'see Deliveries → Dead letter' : undefined} />
					</dl>
					{hour ? (
						<>
							<h2>Last hour (every relay process)</h2>
							<dl class="counters" data-testid="last-hour">
								<Counter label="Received" value={hour.totals.received} />
								<Counter label="Rejected" value={hour.totals.rejected} />
								<Counter label="Duplicates" value={hour.totals.duplicate} />
								<Counter label="Delivered" value={hour.totals.delivered} />
								<Counter label="Retried" value={hour.totals.retried} />
								<Counter label="Dead-lettered" value={hour.totals.dead} />
							</dl>
							{Object.keys(hour.rejectedByReason).length > 0 && (
								<>
									<h3>Rejected by reason</h3>
									<ul class="reasons">
										{Object.entries(hour.rejectedByReason).map(([reason, count]) => (
											<li key={reason}>
												<code>{reason}</code>: {count}
											</li>
										))}
									</ul>
								</>
							)}
							<Chart minutes={hour.minutes} />
						</>
					) : (
						!admin && <p>The relay-wide counters are shown to the admin token only; these are your subscriptions' deliveries.</p>
					)}
				</>
			)}
		</section>
	);
}
