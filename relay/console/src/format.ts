/** Dates and the n8n workflow named in a subscription's description. */
export function when(iso: string | null | undefined): string {
	if (!iso) return '–';
	const date = new Date(iso);
	return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The E-Signature Trigger describes its subscription as: n8n workflow "<name>", node "<node>". */
export function workflowOf(description: string | null): { workflow: string; node: string | null } {
	const match = description ? /^n8n workflow "(.*)", node "(.*)"$/.exec(description) : null;
	if (match) return { workflow: match[1], node: match[2] };
	return { workflow: description ?? '(no description)', node: null };
}
