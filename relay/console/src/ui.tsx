/** Small shared pieces: status badges (text and shape, not colour alone), notices, copy button. */
import { useState } from 'preact/hooks';

const BADGE_TEXT: Record<string, string> = {
	queued: 'Queued',
	retrying: 'Retrying',
	in_flight: 'In flight',
	delivered: 'Delivered',
	dead: 'Dead letter',
	active: 'Active',
	disabled: 'Disabled',
	closed: 'Breaker closed',
	open: 'Breaker open',
	half_open: 'Breaker half-open',
	env: 'RELAY_SOURCES (read-only)',
	console: 'Added in console',
};

/** Tone gives a colour; the text (and a symbol) carry the meaning. */
const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = {
	delivered: 'ok',
	active: 'ok',
	closed: 'ok',
	queued: 'info',
	in_flight: 'info',
	retrying: 'warn',
	half_open: 'warn',
	dead: 'bad',
	disabled: 'bad',
	open: 'bad',
	env: 'info',
	console: 'info',
};
const SYMBOL = { ok: '✓', warn: '↻', bad: '✕', info: '•' };

export function Badge({ value, text }: { value: string; text?: string }) {
	const tone = TONE[value] ?? 'info';
	return (
		<span class={`badge badge-${tone}`}>
			<span aria-hidden="true">{SYMBOL[tone]} </span>
			{text ?? BADGE_TEXT[value] ?? value}
		</span>
	);
}

export function Notice({ error, children }: { error?: boolean; children: preact.ComponentChildren }) {
	return (
		<p class={error ? 'notice notice-error' : 'notice'} role={error ? 'alert' : 'status'}>
			{children}
		</p>
	);
}

export function CopyButton({ text, label }: { text: string; label: string }) {
	const [copied, setCopied] = useState(false);
	return (
		<button
			type="button"
			class="secondary"
			aria-label={label}
			onClick={async () => {
				try {
					await navigator.clipboard.writeText(text);
				} catch {
					// Without clipboard access (plain http on another host): select-and-copy fallback.
					const area = document.createElement('textarea');
					area.value = text;
					document.body.append(area);
					area.select();
					document.execCommand('copy');
					area.remove();
				}
				setCopied(true);
				setTimeout(() => setCopied(false), 2000);
			}}
		>
			{copied ? 'Copied' : 'Copy'}
		</button>
	);
}
