/** "Did the signed event for this contract arrive, and what happened to it?": one document's timeline. */
import { useEffect, useState } from 'preact/hooks';

import type { Stage, Timeline } from '../api';
import { when, workflowOf } from '../format';
import { go, type Route } from '../router';
import { Badge, Notice } from '../ui';
import { Attempts } from './attempts';
import { usePoll } from './poll';

const STEPS: Array<{ stage: Exclude<Stage, 'failed'>; label: string }> = [
	{ stage: 'uploaded', label: 'Uploaded' },
	{ stage: 'invite_sent', label: 'Invite sent' },
	{ stage: 'signed', label: 'Signed' },
	{ stage: 'delivered', label: 'Delivered to n8n' },
];

const STAGE_TONE: Record<Stage, string> = { uploaded: 'info', invite_sent: 'info', signed: 'ok', delivered: 'ok', failed: 'bad' };

function Steps({ steps }: { steps: Timeline['steps'] }) {
	return (
		<ol class="steps" aria-label="Progress">
			{STEPS.map(({ stage, label }) => (
				<li key={stage} class={steps[stage] ? 'step done' : 'step'}>
					<span aria-hidden="true">{steps[stage] ? '✓' : '○'}</span> {label}
					<span class="visually-hidden">{steps[stage] ? ': done' : ': not yet'}</span>
				</li>
			))}
			{steps.failed && (
				<li class="step failed">
					<span aria-hidden="true">✕</span> Failed (declined, expired or deleted)
				</li>
			)}
		</ol>
	);
}

function Recent() {
	const { data, error } = usePoll<{ data: Array<{ documentId: string; lastEventAt: string; sources: string[] }> }>('/documents?limit=20', 10000);
	if (error) return <Notice error>{error}</Notice>;
	if (!data) return null;
	if (data.data.length === 0) return <Notice>No document events yet.</Notice>;
	return (
		<>
			<h2>Recent documents</h2>
			<ul class="plain recent" aria-label="Recent documents">
				{data.data.map((item) => (
					<li key={item.documentId}>
						<a href={`#/documents?${new URLSearchParams({ id: item.documentId })}`}>
							<code>{item.documentId}</code>
						</a>{' '}
						<span class="muted small">
							last event {when(item.lastEventAt)} · {item.sources.join(', ')}
						</span>
					</li>
				))}
			</ul>
		</>
	);
}

export function Documents({ route }: { route: Route }) {
	const documentId = route.params.get('id') ?? '';
	const [input, setInput] = useState(documentId);
	// Opened from the list (or the browser's back button): the field shows the document shown.
	useEffect(() => setInput(documentId), [documentId]);
	const { data, error } = usePoll<Timeline>(documentId ? `/documents/${encodeURIComponent(documentId)}/timeline` : null, 5000);
	return (
		<section>
			<h1 tabIndex={-1}>Documents</h1>
			<form
				class="search"
				role="search"
				onSubmit={(event) => {
					event.preventDefault();
					if (input.trim()) go('documents', { id: input.trim() });
				}}
			>
				<label for="document-id">Document id (as the provider names it)</label>
				<input id="document-id" name="document" required value={input} onInput={(e) => setInput(e.currentTarget.value)} />
				<button type="submit">Show timeline</button>
			</form>
			{!documentId && <Recent />}
			{documentId && error && <Notice error>{/not found/i.test(error) ? `No event of document ${documentId} (events are kept for RELAY_EVENT_RETENTION).` : error}</Notice>}
			{documentId && data && data.documentId === documentId && (
				<>
					<h2>
						{data.documentName ?? 'Document'} <code>{data.documentId}</code>
					</h2>
					<Steps steps={data.steps} />
					{data.events.length === 0 && <Notice>No event of this document has arrived (or they are older than RELAY_EVENT_RETENTION).</Notice>}
					<ol class="timeline" aria-label="Events, oldest first">
						{data.events.map((event) => (
							<li key={`${event.source}.${event.id}`} class="card" data-testid="timeline-event">
								<div class="card-head">
									<span class={`badge badge-${event.stage ? STAGE_TONE[event.stage] : 'info'}`}>{event.label}</span>
									<span>
										<code>{event.providerEvent}</code> from <strong>{event.source}</strong> ({event.provider})
									</span>
								</div>
								<dl class="pairs">
									<dt>Arrived</dt>
									<dd>{when(event.receivedAt)}</dd>
									{event.occurredAt && (
										<>
											<dt>Happened</dt>
											<dd>{when(event.occurredAt)}</dd>
										</>
									)}
									{event.signerEmail && (
										<>
											<dt>Signer</dt>
											<dd>{event.signerEmail}</dd>
										</>
									)}
									<dt>Delivered to</dt>
									<dd>
										{event.deliveries.length === 0 && <span class="muted">no subscription matched it</span>}
										<ul class="plain">
											{event.deliveries.map((delivery) => (
												<li key={delivery.id} class="delivery-line">
													<Badge value={delivery.status} /> {workflowOf(delivery.description).workflow}
													<Attempts attempts={delivery.history} />
												</li>
											))}
										</ul>
									</dd>
								</dl>
							</li>
						))}
					</ol>
				</>
			)}
		</section>
	);
}
