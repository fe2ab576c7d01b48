/**
 * Settings for providers whose signing the generic source covers as documented, so a user
 * writes `{"preset": "yousign"}` instead of copying header names. Each preset is plain
 * options; anything set next to `preset` overrides it.
 */

/**
 * Yousign (developers.yousign.com, "Webhook Signature"): `X-Yousign-Signature-256` =
 * `sha256=` + hex HMAC-SHA256 of the raw body with the subscription's secret key. The body
 * carries `event_id` (stable across retries) and `event_time`; `X-Yousign-Issued-At` is
 * not signed, so it cannot bound replays and is not used: the signed `event_time` does.
 */
const yousign = {
	providerName: 'yousign',
	signatureHeader: 'x-yousign-signature-256',
	algorithm: 'sha256',
	encoding: 'hex',
	prefix: 'sha256=',
	idPath: 'event_id',
	eventTypePath: 'event_name',
	documentIdPath: 'data.signature_request.id',
	documentNamePath: 'data.signature_request.name',
	signerEmailPath: 'data.signer.info.email',
	occurredAtPath: 'event_time',
	maxAgePath: 'event_time',
	events: {
		'signature_request.activated': 'invite.sent',
		'signature_request.done': 'document.completed',
		'signature_request.declined': 'invite.declined',
		'signature_request.expired': 'invite.expired',
		'signature_request.canceled': 'document.deleted',
		'signature_request.permanently_deleted': 'document.deleted',
		'signer.notified': 'invite.sent',
		'signer.link_opened': 'document.viewed',
		'signer.done': 'invite.signed',
		'signer.declined': 'invite.declined',
	},
};

/**
 * PandaDoc (developers.pandadoc.com, "How to Verify Webhook Authenticity"): the webhook URL
 * carries `?signature=` = hex HMAC-SHA256 of the raw body with the shared key. The body is a
 * JSON array of notifications (one event each); the event name plus the document status
 * says what happened, so both are read and the most specific mapping wins. Nothing signed
 * says when a notification was sent; the document's `date_modified` (which every state
 * change moves) is what bounds a replay.
 */
const pandadoc = {
	providerName: 'pandadoc',
	signatureQueryParameter: 'signature',
	algorithm: 'sha256',
	encoding: 'hex',
	eventTypePath: ['event', 'data.status'],
	documentIdPath: 'data.id',
	documentNamePath: 'data.name',
	signerEmailPath: 'data.action_by.email',
	occurredAtPath: 'data.date_modified',
	maxAgePath: 'data.date_modified',
	events: {
		'document_state_changed/document.sent': 'invite.sent',
		'document_state_changed/document.viewed': 'document.viewed',
		'document_state_changed/document.completed': 'document.completed',
		'document_state_changed/document.declined': 'invite.declined',
		'document_state_changed/document.voided': 'document.deleted',
		'document_state_changed/document.expired': 'invite.expired',
		document_state_changed: 'document.updated',
		document_updated: 'document.updated',
		recipient_completed: 'invite.signed',
		document_deleted: 'document.deleted',
	},
};

export const GENERIC_HMAC_PRESETS = { yousign, pandadoc } as const;
