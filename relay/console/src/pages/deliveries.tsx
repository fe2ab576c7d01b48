/** "What happened to each delivery?": by status, with every attempt; the dead-letter queue and replay. */
import { useState } from 'preact/hooks';

import { api, STATUSES, type DeliveryView, type Status } from '../api';
import { when } from '../format';
import { go, type Route } from '../router';
import { Badge, Notice } from '../ui';
import { Attempts } from './attempts';
import { usePoll } from './poll';

const TITLES: Record<Status, string> = { queued: 'Queued', retrying: 'Retrying', in_flight: 'In flight', delivered: 'Delivered', dead: 'Dead letter' };

export function Deliveries({ route }: { route: Route }) {
	const status = (STATUSES as readonly string[]).includes(route.params.get('status') ?? '') ? (route.params.get('status') as Status) : 'dead';
	const subscriptionId = route.params.get('subscriptionId') ?? '';
	const query = new URLSearchParams({ status, include: 'attempts', limit: '100', ...(subscriptionId ? { subscriptionId } : {}) });
	const { data, error, reload } = usePoll<{ data: DeliveryView[] }>(`/deliveries?${query}`, 5000);
	const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
	const params = (next: Status) => ({ status: next, ...(subscriptionId ? { subscriptionId } : {}) });

	async function act(run: () => Promise<string>) {
		setMessage(null);
		try {
			setMessage({ error: false, text: await run() });
		} catch (failure) {
			setMessage({ error: true, text: (failure as Error).message });
		}
		reload();
	}

	return (
		<section>
			<h1 tabIndex={-1}>Deliveries</h1>
			{subscriptionId && (
				<p>
					Subscription <code>{subscriptionId}</code> only.{' '}
					<button type="button" class="link" onClick={() => go('deliveries', { status })}>
						Show all subscriptions
					</button>
				</p>
			)}
			<nav aria-label="Delivery status" class="tabs">
				{STATUSES.map((item) => (
					<a key={item} href={`#/deliveries?${new URLSearchParams(params(item))}`} aria-current={item === status ? 'true' : undefined}>
						{TITLES[item]}
					</a>
				))}
			</nav>
			{status === 'dead' && (
				<p>
					A dead letter is a delivery that failed on every attempt (or whose target answered 410). Fix the target, then replay.{' '}
					<button
						type="button"
						disabled={!data || data.data.length === 0}
						onClick={() =>
							act(async () => {
								const { replayed } = await api<{ replayed: number }>('/dead-letter/replay', { method: 'POST', body: subscriptionId ? { subscriptionId } : {} });
								return `${replayed} dead letter${replayed === 1 ? '' : 's'} queued again.`;
							})
						}
					>
						Replay all{subscriptionId ? ' of this subscription' : ''}
					</button>
				</p>
			)}
			{message && <Notice error={message.error}>{message.text}</Notice>}
			{error && <Notice error>{error}</Notice>}
			{data && data.data.length === 0 && <Notice>No {TITLES[status].toLowerCase()} deliveries.</Notice>}
			{data && data.data.length > 0 && (
				<ul class="cards" aria-label={`${TITLES[status]} deliveries`}>
					{data.data.map((delivery) => {
						const [, source] = delivery.id.split('.');
						return (
							<li class="card" key={delivery.id} data-testid="delivery">
								<div class="card-head">
									<Badge value={delivery.status} />
									<span>
										event <code>{delivery.eventId}</code> from <code>{source}</code>
									</span>
								</div>
								<dl class="pairs">
									<dt>Subscription</dt>
									<dd>
										<code>{delivery.subscriptionId}</code>
									</dd>
									<dt>Queued</dt>
									<dd>{when(delivery.createdAt)}</dd>
									{delivery.finishedAt && (
										<>
											<dt>Finished</dt>
											<dd>{when(delivery.finishedAt)}</dd>
										</>
									)}
									<dt>Attempts</dt>
									<dd>
										<Attempts attempts={delivery.history ?? []} />
										<span class="muted small">
											{delivery.attempts} of {delivery.maxAttempts} attempts used
										</span>
									</dd>
								</dl>
								{(delivery.status === 'dead' || delivery.status === 'retrying' || delivery.status === 'delivered') && (
									<button
										type="button"
										class={delivery.status === 'dead' ? '' : 'secondary'}
										onClick={() =>
											act(async () => {
												await api(`/deliveries/${encodeURIComponent(delivery.id)}/retry`, { method: 'POST' });
												return `Delivery of ${delivery.eventId} queued again.`;
											})
										}
									>
										{delivery.status === 'dead' ? 'Replay' : delivery.status === 'retrying' ? 'Retry now' : 'Deliver again'}
										<span class="visually-hidden"> {delivery.eventId}</span>
									</button>
								)}
							</li>
						);
					})}
				</ul>
			)}
		</section>
	);
}
