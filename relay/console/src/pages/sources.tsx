/** "Where does the provider send its webhooks?": sources, their ingest URL, adding and rotating. */
import { useState } from 'preact/hooks';

import { api, type SourceView } from '../api';
import { when } from '../format';
import { Badge, CopyButton, Notice } from '../ui';
import { usePoll } from './poll';

function AddSource({ types, onDone }: { types: string[]; onDone: () => void }) {
	const [id, setId] = useState('');
	const [type, setType] = useState('signnow');
	const [secret, setSecret] = useState('');
	const [options, setOptions] = useState('');
	const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
	return (
		<form
			class="panel"
			aria-labelledby="add-source"
			onSubmit={async (event) => {
				event.preventDefault();
				setMessage(null);
				try {
					const body: Record<string, unknown> = { type, secret };
					if (options.trim()) body.options = JSON.parse(options) as unknown;
					await api(`/sources/${encodeURIComponent(id.trim())}`, { method: 'POST', body });
					setMessage({ error: false, text: `Source "${id.trim()}" added. Every relay process accepts it within a few seconds.` });
					setId('');
					setSecret('');
					setOptions('');
					onDone();
				} catch (failure) {
					setMessage({ error: true, text: failure instanceof SyntaxError ? 'Options must be JSON, e.g. {"maxAgeSeconds": 3600}.' : (failure as Error).message });
				}
			}}
		>
			<h2 id="add-source">Add a source</h2>
			<div class="fields">
				<label>
					Source id (the end of the ingest URL)
					<input name="id" required pattern="[A-Za-z0-9_\-]{1,64}" value={id} onInput={(e) => setId(e.currentTarget.value)} />
				</label>
				<label>
					Provider type
					<select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
						{types.map((item) => (
							<option key={item} value={item}>
								{item}
							</option>
						))}
					</select>
				</label>
				<label>
					Webhook secret (from the provider)
					<input name="secret" type="password" autocomplete="off" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
				</label>
				<label>
					Options (JSON, optional)
					<input name="options" value={options} placeholder='{"maxAgeSeconds": 3600}' onInput={(e) => setOptions(e.currentTarget.value)} />
				</label>
			</div>
			<button type="submit">Add source</button>
			{message && <Notice error={message.error}>{message.text}</Notice>}
		</form>
	);
}

function Rotate({ source, onDone }: { source: SourceView; onDone: () => void }) {
	const [open, setOpen] = useState(false);
	const [secret, setSecret] = useState('');
	const [hours, setHours] = useState('24');
	const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
	if (!open) {
		return (
			<button type="button" class="secondary" onClick={() => setOpen(true)} aria-label={`Rotate the secret of ${source.id}`}>
				Rotate secret
			</button>
		);
	}
	return (
		<form
			class="inline-form"
			onSubmit={async (event) => {
				event.preventDefault();
				try {
					await api(`/sources/${encodeURIComponent(source.id)}`, { method: 'PUT', body: { secret, graceSeconds: Math.round(Number(hours) * 3600) } });
					setMessage({ error: false, text: `Rotated. The previous secret is accepted for ${hours} more hours.` });
					setSecret('');
					setOpen(false);
					onDone();
				} catch (failure) {
					setMessage({ error: true, text: (failure as Error).message });
				}
			}}
		>
			<label>
				New secret
				<input type="password" autocomplete="off" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
			</label>
			<label>
				Keep the old one valid for (hours)
				<input type="number" min="0" max="720" step="1" required value={hours} onInput={(e) => setHours(e.currentTarget.value)} />
			</label>
			<button type="submit">Rotate</button>
			<button type="button" class="secondary" onClick={() => setOpen(false)}>
				Cancel
			</button>
			{message && <Notice error={message.error}>{message.text}</Notice>}
		</form>
	);
}

export function Sources({ admin }: { admin: boolean }) {
	const { data, error, reload } = usePoll<{ data: SourceView[]; types: string[] }>('/sources', 0);
	return (
		<section>
			<h1 tabIndex={-1}>Sources</h1>
			<p>A source is one provider account. Paste its ingest URL into the provider's webhook (callback) settings.</p>
			{error && <Notice error>{error}</Notice>}
			{data && data.data.length === 0 && <Notice>No sources yet.{admin ? ' Add one below.' : ''}</Notice>}
			{data && data.data.length > 0 && (
				<ul class="cards" aria-label="Sources">
					{data.data.map((source) => {
						const url = `${location.origin}${source.ingestPath}`;
						return (
							<li class="card" key={source.id} data-testid={`source-${source.id}`}>
								<h2>
									{source.id} <span class="muted">({source.type})</span>
								</h2>
								<Badge value={source.origin} />
								<div class="url-row">
									<code class="url">{url}</code>
									<CopyButton text={url} label={`Copy the ingest URL of ${source.id}`} />
								</div>
								{admin && (
									<dl class="pairs">
										<dt>Secrets</dt>
										<dd>
											<ul class="plain">
												{source.secrets.map((secret, index) => (
													<li key={index}>
														<code>{secret.hint}</code> {secret.expiresAt ? `accepted until ${when(secret.expiresAt)}` : 'current'}
													</li>
												))}
											</ul>
										</dd>
										{source.updatedAt && (
											<>
												<dt>Changed</dt>
												<dd>{when(source.updatedAt)}</dd>
											</>
										)}
									</dl>
								)}
								{admin && source.origin === 'console' && <Rotate source={source} onDone={reload} />}
								{admin && source.origin === 'env' && <p class="muted">Configured in RELAY_SOURCES: change it there.</p>}
							</li>
						);
					})}
				</ul>
			)}
			{admin && data && <AddSource types={data.types} onDone={reload} />}
		</section>
	);
}
