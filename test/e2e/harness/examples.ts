/**
 * The workflows in examples/ are what users import; the end-to-end tests import the same files,
 * changing only what a user changes after importing: credential ids, and the placeholder URLs
 * and secret (https://example.com…, https://relay.example.com…, RELAY_SOURCE_SECRET).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../../helpers/relay-build';

export interface ExampleSubstitutions {
	credentials: Record<string, string>;
	/** Placeholder text → value, applied to every string parameter. */
	text?: Record<string, string>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function replaceStrings(value: Json, replace: (text: string) => string): Json {
	if (typeof value === 'string') return replace(value);
	if (Array.isArray(value)) return value.map((inner) => replaceStrings(inner, replace));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replaceStrings(inner, replace)]));
	}
	return value;
}

/** A file of examples/, or (a path with a slash, from the repository root) a test fixture. */
export function readExample(file: string): Record<string, unknown> {
	const path = file.includes('/') ? join(REPO_ROOT, file) : join(REPO_ROOT, 'examples', file);
	return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * The example as n8n should receive it here. Its node types stay as they are when the package is
 * installed as a community package (`n8n-nodes-esign.<name>`, the harness' default); pass the
 * n8n's `nodeTypePrefix` when it loads the package through N8N_CUSTOM_EXTENSIONS (`CUSTOM.<name>`).
 */
export function prepareExample(
	file: string,
	substitutions: ExampleSubstitutions,
	nodeTypePrefix = 'n8n-nodes-esign.',
): Record<string, unknown> {
	const workflow = readExample(file);
	const nodes = (workflow.nodes as Array<Record<string, Json>>).map((node) => {
		const copy = { ...node };
		copy.type = String(node.type).replace(/^n8n-nodes-esign\./, nodeTypePrefix);
		copy.parameters = replaceStrings(node.parameters, (text) => {
			let result = text;
			for (const [placeholder, value] of Object.entries(substitutions.text ?? {})) {
				result = result.split(placeholder).join(value);
			}
			return result;
		});
		if (node.credentials && typeof node.credentials === 'object' && !Array.isArray(node.credentials)) {
			copy.credentials = Object.fromEntries(
				Object.entries(node.credentials).map(([type, reference]) => {
					const id = substitutions.credentials[type];
					if (!id) throw new Error(`examples/${file} needs a "${type}" credential`);
					return [type, { id, name: (reference as { name: string }).name }];
				}),
			);
		}
		return copy;
	});
	return { ...workflow, name: `${String(workflow.name)} (e2e)`, nodes };
}
