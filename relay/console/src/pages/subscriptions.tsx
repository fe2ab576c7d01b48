/** "Which n8n workflows receive events, and are they healthy?" */
import type { SubscriptionView } from '../api';
import { when, workflowOf } from '../format';
import { Badge, Notice } from '../ui';
import { usePoll } from './poll';

function filters(subscription: SubscriptionView): string {
	const parts = [
		subscription.sources.length ? `sources: ${subscription.sources.join(', ')}` : '',
		subscription.providers.length ? `providers: ${subscription.providers.join(', ')}` : '',
		subscription.eventTypes.length ? `events: ${subscription.eventTypes.join(', ')}` : '',
		subscription.documentId ? `document: ${subscription.documentId}` : '',
	].filter(Boolean);
	return parts.length ? parts.join('; ') : 'everything';
}

export function Subscriptions() {
	const { data, error } = usePoll<{ data: SubscriptionView[] }>('/subscriptions?include=delivery', 5000);
	return (
		<section>
			<h1 tabIndex={-1}>Subscriptions</h1>
			<p>Each active E-Signature Trigger in n8n holds one subscription: where the relay delivers, and which events.</p>
			{error && <Notice error>{error}</Notice>}
			{data && data.data.length === 0 && <Notice>No subscriptions. Activate a workflow with an E-Signature Trigger in relay mode.</Notice>}
			{data && data.data.length > 0 && (
				<div class="table-wrap" tabIndex={0} aria-label="Subscriptions table (scrolls sideways)">
					<table>
						<thead>
							<tr>
								<th scope="col">n8n workflow</th>
								<th scope="col">Filters</th>
								<th scope="col">State</th>
								<th scope="col">Deliveries</th>
								<th scope="col">Created</th>
							</tr>
						</thead>
						<tbody>
							{data.data.map((subscription) => {
								const { workflow, node } = workflowOf(subscription.description);
								const { delivery } = subscription;
								return (
									<tr key={subscription.id} data-testid={`subscription-${subscription.id}`}>
										<td>
											<strong>{workflow}</strong>
											{node && <div class="muted">node {node}</div>}
											<div class="muted small">
												<code>{subscription.url}</code>
											</div>
											<div class="muted small">
												{subscription.id}
												{subscription.owner && ` · owned by token ${subscription.owner}`}
											</div>
										</td>
										<td>{filters(subscription)}</td>
										<td>
											<Badge value={subscription.status} />
											{subscription.disabledReason && <div class="muted small">{subscription.disabledReason}</div>}
											<div>
												<Badge value={delivery.breaker.state} />
											</div>
											{delivery.breaker.state !== 'closed' && delivery.breaker.openUntil && (
												<div class="muted small">probe after {when(delivery.breaker.openUntil)}</div>
											)}
											{delivery.breaker.failures > 0 && <div class="muted small">{delivery.breaker.failures} failures in a row</div>}
										</td>
										<td>
											<ul class="plain small">
												<li>{delivery.queued} queued</li>
												<li>{delivery.inFlight} in flight</li>
												<li>{delivery.retrying} retrying</li>
												<li>{delivery.dead} dead</li>
											</ul>
											<a href={`#/deliveries?${new URLSearchParams({ status: delivery.dead > 0 ? 'dead' : 'delivered', subscriptionId: subscription.id })}`}>
												Show deliveries<span class="visually-hidden"> of {workflow}</span>
											</a>
										</td>
										<td>{when(subscription.createdAt)}</td>
									</tr>
								);
							})}
						</tbody>
					</table>
				</div>
			)}
		</section>
	);
}
