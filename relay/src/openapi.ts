/** The OpenAPI 3.1 description of the relay's HTTP interface, served at GET /openapi.json. */

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const response = (description: string, schema?: unknown) => (schema ? { description, ...json(schema) } : { description });
const auth = {
	'401': response('No bearer token.', error),
	'403': response('Neither the admin token nor a valid (unrevoked) subscriber token.', error),
};
const adminAuth = {
	'401': auth['401'],
	'403': response('Not the admin token (subscriber tokens cannot manage tokens).', error),
};
const idParam = (description: string) => [{ name: 'id', in: 'path', required: true, description, schema: { type: 'string' } }];

export function openApiDocument(version: string): Record<string, unknown> {
	return {
		openapi: '3.1.0',
		info: {
			title: 'esign-relay',
			version,
			description:
				'Receives e-signature provider webhooks, verifies them, deduplicates, stores them durably in Redis and delivers them to subscribers signed with Standard Webhooks.',
		},
		components: {
			securitySchemes: {
				bearer: {
					type: 'http',
					scheme: 'bearer',
					description:
						'The admin token (RELAY_API_TOKEN): everything. Or a subscriber token (rst_…, from POST /v1/tokens or `esign-relay token create`): ' +
						'only the subscriptions it created, their deliveries, and the events they were subscribed to; anything else answers 404.',
				},
			},
			schemas: {
				Error: {
					type: 'object',
					required: ['error', 'message'],
					properties: { error: { type: 'string' }, message: { type: 'string' } },
				},
				Source: {
					type: 'object',
					properties: {
						id: { type: 'string' },
						type: { type: 'string' },
						origin: { enum: ['env', 'console'] },
						ingestPath: { type: 'string', description: '/ingest/<id>: give the provider this path on your relay' },
						secrets: {
							type: 'array',
							items: { type: 'object', properties: { hint: { type: 'string' }, expiresAt: { type: ['string', 'null'], format: 'date-time' } } },
						},
						createdAt: { type: ['string', 'null'] },
						updatedAt: { type: ['string', 'null'] },
					},
				},
				SubscriptionInput: {
					type: 'object',
					required: ['url'],
					additionalProperties: false,
					properties: {
						url: { type: 'string', format: 'uri' },
						sources: { type: 'array', items: { type: 'string' } },
						providers: { type: 'array', items: { type: 'string' } },
						eventTypes: { type: 'array', items: { type: 'string' } },
						documentId: { type: 'string' },
						description: { type: 'string' },
						maxInFlight: { type: 'integer', minimum: 1 },
						rateLimitPerSecond: { type: 'integer', minimum: 0 },
					},
				},
				Subscription: {
					type: 'object',
					properties: {
						id: { type: 'string' },
						url: { type: 'string' },
						sources: { type: 'array', items: { type: 'string' } },
						providers: { type: 'array', items: { type: 'string' } },
						eventTypes: { type: 'array', items: { type: 'string' } },
						documentId: { type: ['string', 'null'] },
						description: { type: ['string', 'null'] },
						status: { enum: ['active', 'disabled'] },
						disabledReason: { type: 'string' },
						createdAt: { type: 'string', format: 'date-time' },
						maxInFlight: { type: 'integer' },
						rateLimitPerSecond: { type: 'integer' },
						owner: { type: 'string', description: 'The subscriber token that created it (absent: the admin token).' },
					},
				},
				TokenInput: {
					type: 'object',
					required: ['name'],
					additionalProperties: false,
					properties: {
						name: { type: 'string', maxLength: 200 },
						maxSubscriptions: { type: 'integer', minimum: 1, description: 'Default: RELAY_TOKEN_MAX_SUBSCRIPTIONS.' },
					},
				},
				Token: {
					type: 'object',
					properties: {
						id: { type: 'string' },
						name: { type: 'string' },
						maxSubscriptions: { type: ['integer', 'null'] },
						createdAt: { type: 'string', format: 'date-time' },
						subscriptions: { type: 'integer', description: 'How many subscriptions it owns (in lists).' },
					},
				},
				Event: {
					type: 'object',
					description: 'The canonical event as delivered (also the delivery body).',
					properties: {
						id: { type: 'string' },
						provider: { type: 'string' },
						type: { type: 'string' },
						providerEvent: { type: 'string' },
						documentId: { type: ['string', 'null'] },
						documentName: { type: 'string' },
						signerEmail: { type: 'string' },
						occurredAt: { type: 'string', format: 'date-time' },
						payload: {},
						source: { type: 'string' },
						receivedAt: { type: 'string', format: 'date-time' },
					},
				},
				Delivery: {
					type: 'object',
					properties: {
						id: { type: 'string' },
						eventId: { type: 'string' },
						subscriptionId: { type: 'string' },
						status: { enum: ['queued', 'retrying', 'in_flight', 'delivered', 'dead'] },
						attempts: { type: 'integer' },
						maxAttempts: { type: 'integer' },
						lastError: {
							type: ['string', 'null'],
							description:
								'Why the last attempt failed: the HTTP status and its standard text (e.g. "HTTP 502 Bad Gateway"), a network error code, a timeout or a refused target. Never the target\'s response body.',
						},
						lastStatus: { type: ['integer', 'null'] },
						createdAt: { type: 'string', format: 'date-time' },
						finishedAt: { type: ['string', 'null'], format: 'date-time' },
					},
				},
			},
		},
		paths: {
			'/ingest/{source}': {
				post: {
					summary: 'Receive a provider webhook',
					description:
						'Verifies the signature on the raw body with the source\'s provider module and secrets, deduplicates on the event id within the source, stores the event with its fan-out pending (one atomic step), then answers 2xx (or the provider\'s required acknowledgement); the fan-out to subscriptions runs after.',
					parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string' } }],
					requestBody: { required: true, content: { '*/*': { schema: {} } } },
					responses: {
						'200': response('Stored and queued, or a duplicate of an event already stored.'),
						'400': response('Malformed body.', error),
						'401': response('Missing or bad signature, or stale timestamp.', error),
						'404': response('Unknown source.', error),
						'413': response('Body over RELAY_BODY_LIMIT.', error),
						'415': response('Signed correctly, but not the media type the provider sends (e.g. JSON).', error),
						'503': response('Redis unavailable: nothing was stored; retry.', error),
					},
				},
			},
			'/healthz': { get: { summary: 'Liveness', responses: { '200': response('The process is up.') } } },
			'/readyz': {
				get: {
					summary: 'Readiness: Redis reachable and workers running',
					responses: { '200': response('Ready.'), '503': response('Not ready.') },
				},
			},
			'/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': response('Text exposition format.') } } },
			'/v1/subscriptions': {
				post: {
					summary: 'Create a subscription',
					security: [{ bearer: [] }],
					requestBody: { required: true, ...json({ $ref: '#/components/schemas/SubscriptionInput' }) },
					responses: {
						'201': response('Created; `secret` (whsec_…) is shown only here.', {
							allOf: [
								{ $ref: '#/components/schemas/Subscription' },
								{ type: 'object', properties: { secret: { type: 'string' } } },
							],
						}),
						'400': response('Invalid body.', error),
						'409': response('A subscriber token at its cap of subscriptions (error: subscription_limit).', error),
						'422': response('Target not allowed (RELAY_ALLOWED_TARGETS, link-local, metadata).', error),
						...auth,
					},
				},
				get: {
					summary: 'List subscriptions',
					security: [{ bearer: [] }],
					parameters: [
						{ name: 'include', in: 'query', description: '`delivery`: each with `delivery` {queued, retrying, inFlight, dead, breaker {state: closed|open|half_open, failures, openUntil}}', schema: { enum: ['delivery'] } },
					],
					responses: {
						'200': response('Subscriptions.', {
							type: 'object',
							properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Subscription' } } },
						}),
						...auth,
					},
				},
			},
			'/v1/subscriptions/{id}': {
				get: {
					summary: 'Get a subscription',
					security: [{ bearer: [] }],
					parameters: idParam('Subscription id'),
					responses: { '200': response('The subscription.', { $ref: '#/components/schemas/Subscription' }), '404': response('Not found.', error), ...auth },
				},
				delete: {
					summary: 'Delete a subscription and its queued deliveries',
					security: [{ bearer: [] }],
					parameters: idParam('Subscription id'),
					responses: { '204': response('Deleted.'), '404': response('Not found.', error), ...auth },
				},
			},
			'/v1/subscriptions/{id}/test': {
				post: {
					summary: 'Send a test event to this subscription (filters bypassed)',
					security: [{ bearer: [] }],
					parameters: idParam('Subscription id'),
					responses: {
						'202': response('Queued.', { type: 'object', properties: { eventId: { type: 'string' }, deliveryId: { type: 'string' } } }),
						'404': response('Not found.', error),
						...auth,
					},
				},
			},
			'/v1/events/{id}': {
				get: {
					summary: 'Get a stored event',
					security: [{ bearer: [] }],
					parameters: [
						...idParam('Event id'),
						{ name: 'source', in: 'query', required: false, description: 'Source id; needed when several sources have an event with this id.', schema: { type: 'string' } },
					],
					responses: {
						'200': response('The event.', { $ref: '#/components/schemas/Event' }),
						'404': response('Unknown, expired, or (subscriber token) not subscribed to.', error),
						'409': response('Several sources have an event with this id: add ?source=.', error),
						...auth,
					},
				},
			},
			'/v1/deliveries': {
				get: {
					summary: 'List deliveries',
					security: [{ bearer: [] }],
					parameters: [
						{ name: 'status', in: 'query', schema: { enum: ['queued', 'retrying', 'in_flight', 'delivered', 'dead'] } },
						{ name: 'subscriptionId', in: 'query', schema: { type: 'string' } },
						{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
						{ name: 'include', in: 'query', description: '`attempts`: each delivery with `history`, its last attempts [{at, outcome, status, error, durationMs}]', schema: { enum: ['attempts'] } },
					],
					responses: {
						'200': response('Deliveries, newest first.', {
							type: 'object',
							properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Delivery' } } },
						}),
						'400': response('Invalid query.', error),
						...auth,
					},
				},
			},
			'/v1/deliveries/{id}': {
				get: {
					summary: 'Get a delivery',
					security: [{ bearer: [] }],
					parameters: idParam('Delivery id (<subscriptionId>.<source>.<eventId>)'),
					responses: { '200': response('The delivery.', { $ref: '#/components/schemas/Delivery' }), '404': response('Not found.', error), ...auth },
				},
			},
			'/v1/deliveries/{id}/retry': {
				post: {
					summary: 'Retry a delivery now (dead, retrying, or redeliver a delivered one)',
					security: [{ bearer: [] }],
					parameters: idParam('Delivery id'),
					responses: { '202': response('Queued again.', { $ref: '#/components/schemas/Delivery' }), '404': response('Not found.', error), ...auth },
				},
			},
			'/v1/dead-letter/replay': {
				post: {
					summary: 'Replay the dead-letter queue (all subscriptions or one)',
					security: [{ bearer: [] }],
					requestBody: { required: false, ...json({ type: 'object', properties: { subscriptionId: { type: 'string' } } }) },
					responses: {
						'202': response('Replayed.', { type: 'object', properties: { replayed: { type: 'integer' } } }),
						'404': response('Unknown subscription.', error),
						...auth,
					},
				},
			},
			'/v1/whoami': {
				get: {
					summary: 'Who the bearer token is (the console shows it)',
					security: [{ bearer: [] }],
					responses: {
						'200': response('`{kind: "admin"}` or `{kind: "subscriber", tokenId, name}`.', {
							type: 'object',
							required: ['kind'],
							properties: { kind: { enum: ['admin', 'subscriber'] }, tokenId: { type: 'string' }, name: { type: 'string' } },
						}),
						...auth,
					},
				},
			},
			'/v1/sources': {
				get: {
					summary: 'List sources: RELAY_SOURCES (origin env, read-only) and those added from the console (origin console)',
					security: [{ bearer: [] }],
					responses: {
						'200': response('Sources; secrets only as hints (last four characters of a long one), and none to a subscriber token.', {
							type: 'object',
							properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Source' } } },
						}),
						...auth,
					},
				},
			},
			'/v1/sources/{id}': {
				post: {
					summary: 'Add a source (stored in Redis; every relay process takes events on it within seconds, no restart)',
					security: [{ bearer: [] }],
					parameters: idParam('Source id: 1-64 letters, digits, "_" or "-"; the ingest URL is /ingest/<id>'),
					requestBody: {
						required: true,
						...json({
							type: 'object',
							required: ['type', 'secret'],
							additionalProperties: false,
							properties: {
								type: { type: 'string', description: 'Provider type (signnow, docusign, standard-webhooks, …), as in RELAY_SOURCES' },
								secret: { type: 'string' },
								options: { description: "The provider's options, as in RELAY_SOURCES" },
							},
						}),
					},
					responses: {
						'201': response('Added.', { $ref: '#/components/schemas/Source' }),
						'400': response('Invalid (the same checks as RELAY_SOURCES, replay window included).', error),
						'409': response('The id exists (error: exists), or is in RELAY_SOURCES (error: read_only).', error),
						...adminAuth,
					},
				},
				put: {
					summary: "Rotate a console source's secret; the previous ones stay valid for graceSeconds",
					security: [{ bearer: [] }],
					parameters: idParam('Source id'),
					requestBody: {
						required: true,
						...json({
							type: 'object',
							required: ['secret'],
							additionalProperties: false,
							properties: {
								secret: { type: 'string' },
								graceSeconds: { type: 'integer', minimum: 0, maximum: 2592000, default: 86400 },
							},
						}),
					},
					responses: {
						'200': response('Rotated.', { $ref: '#/components/schemas/Source' }),
						'400': response('Invalid body.', error),
						'404': response('No console source with this id.', error),
						'409': response('A RELAY_SOURCES source (error: read_only): rotate it there.', error),
						...adminAuth,
					},
				},
			},
			'/v1/documents': {
				get: {
					summary: 'The documents with the latest events, newest first, over every source (a subscriber token: those its subscriptions saw)',
					security: [{ bearer: [] }],
					parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 } }],
					responses: {
						'200': response('`{data: [{documentId, lastEventAt, sources}]}`.', { type: 'object', properties: { data: { type: 'array', items: { type: 'object' } } } }),
						'400': response('Invalid query.', error),
						...auth,
					},
				},
			},
			'/v1/documents/{id}/timeline': {
				get: {
					summary: "Every event of one document from every source, with each delivery's attempts",
					security: [{ bearer: [] }],
					parameters: idParam("The provider's document id"),
					responses: {
						'200': response('The timeline, oldest first; `steps` says which of uploaded, invite_sent, signed, delivered, failed were reached.', {
							type: 'object',
							properties: {
								documentId: { type: 'string' },
								documentName: { type: ['string', 'null'] },
								steps: { type: 'object', additionalProperties: { type: 'boolean' } },
								events: { type: 'array', items: { type: 'object' } },
							},
						}),
						'404': response('(Subscriber token) no event of this document reached one of its subscriptions.', error),
						...auth,
					},
				},
			},
			'/v1/stats': {
				get: {
					summary: 'Live counters: deliveries by state now, and per-minute counts of the last hour (every relay process)',
					security: [{ bearer: [] }],
					responses: {
						'200': response('`queues` (queued, retrying, inFlight, dead) for the subscriptions the token sees; `lastHour` (admin token only, else null): `minutes` [{t, received, rejected, duplicate, delivered, retried, dead}], `totals`, `rejectedByReason`.', {
							type: 'object',
							properties: { queues: { type: 'object' }, lastHour: { type: ['object', 'null'] } },
						}),
						...auth,
					},
				},
			},
			'/v1/tokens': {
				post: {
					summary: 'Create a subscriber token (admin only)',
					security: [{ bearer: [] }],
					requestBody: { required: true, ...json({ $ref: '#/components/schemas/TokenInput' }) },
					responses: {
						'201': response('Created; `token` is shown only here (only its SHA-256 is stored).', {
							allOf: [{ $ref: '#/components/schemas/Token' }, { type: 'object', properties: { token: { type: 'string' } } }],
						}),
						'400': response('Invalid body.', error),
						...adminAuth,
					},
				},
				get: {
					summary: 'List subscriber tokens (admin only)',
					security: [{ bearer: [] }],
					responses: {
						'200': response('Tokens, oldest first.', {
							type: 'object',
							properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Token' } } },
						}),
						...adminAuth,
					},
				},
			},
			'/v1/tokens/{id}': {
				delete: {
					summary: 'Revoke a subscriber token (admin only); its subscriptions stay',
					security: [{ bearer: [] }],
					parameters: idParam('Token id (tok_…)'),
					responses: { '204': response('Revoked.'), '404': response('Not found.', error), ...adminAuth },
				},
			},
			'/v1/sources/{id}/reconcile': {
				post: {
					summary: 'Run a reconciliation sweep of one source now (admin only); see docs/relay.md, "Reconciliation"',
					security: [{ bearer: [] }],
					parameters: idParam('Source id (with `reconcile` settings in RELAY_SOURCES)'),
					responses: {
						'200': response('Swept: `listed` state changes found, `delivered` new (no webhook had reported them), `duplicates`, the window `from`/`to`.', {
							type: 'object',
							properties: {
								outcome: { type: 'string', enum: ['swept'] },
								listed: { type: 'integer' },
								delivered: { type: 'integer' },
								duplicates: { type: 'integer' },
								from: { type: 'string', format: 'date-time' },
								to: { type: 'string', format: 'date-time' },
							},
						}),
						'404': response('No such source, or it does not reconcile.', error),
						'409': response('Another relay process is sweeping this source (`outcome: busy`).'),
						'502': response('The provider could not be asked (`outcome: failed`, `error` names the HTTP status and path); the cursor stays.'),
						...adminAuth,
					},
				},
			},
		},
	};
}
