/** Hash routes (#/page?query), so the relay serves one static index.html. */
export const PAGES = [
	{ path: 'overview', title: 'Overview' },
	{ path: 'documents', title: 'Documents' },
	{ path: 'deliveries', title: 'Deliveries' },
	{ path: 'subscriptions', title: 'Subscriptions' },
	{ path: 'sources', title: 'Sources' },
] as const;

export type Route = { page: string; params: URLSearchParams };

export function currentRoute(): Route {
	const [page, query] = location.hash.replace(/^#\/?/, '').split('?');
	return { page: PAGES.some((item) => item.path === page) ? page : 'overview', params: new URLSearchParams(query ?? '') };
}

export function go(page: string, params: Record<string, string> = {}): void {
	const query = new URLSearchParams(params).toString();
	location.hash = `#/${page}${query ? `?${query}` : ''}`;
}
