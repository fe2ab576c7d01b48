/**
 * Dotted paths into parsed JSON (`data.signature_request.id`, `recipients.0.email`): the
 * one way a generic source is told where a provider keeps its event name and ids.
 */
import { isRecord } from '../webhook';

const PATH_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export function isJsonPath(value: unknown): value is string {
	return typeof value === 'string' && PATH_PATTERN.test(value);
}

export function valueAt(root: unknown, path: string): unknown {
	let current: unknown = root;
	for (const key of path.split('.')) {
		if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
		else if (isRecord(current)) current = current[key];
		else return undefined;
	}
	return current;
}

/** A scalar at `path` as text; objects and arrays are not names or ids. */
export function textAt(root: unknown, path: string | undefined): string | undefined {
	if (path === undefined) return undefined;
	const value = valueAt(root, path);
	if (typeof value === 'string' && value !== '') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}
