import type { INodeProperties } from 'n8n-workflow';

import type { InviteOptions } from '../../../providers/adapter';

/** Subject, message, sender and timing options shared by both kinds of invite. */
export function inviteOptionsProperty(operation: string, withTiming: boolean): INodeProperties {
	const options: INodeProperties[] = [
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			placeholder: 'name@email.com',
			default: '',
			description: "Sender's email address. Defaults to the connected account's email.",
		},
		{
			displayName: 'Message',
			name: 'message',
			type: 'string',
			typeOptions: { rows: 3 },
			default: '',
			description: 'Body of the invitation email',
		},
		{
			displayName: 'Subject',
			name: 'subject',
			type: 'string',
			default: '',
			description: 'Subject of the invitation email',
		},
	];
	if (withTiming) {
		options.push(
			{
				displayName: 'Expires After (Days)',
				name: 'expirationDays',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 180 },
				default: 30,
				description: 'Days before the invite expires',
			},
			{
				displayName: 'Remind Every (Days)',
				name: 'reminderDays',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 179 },
				default: 0,
				description: 'Days between reminder emails; 0 sends none',
			},
		);
	}
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { resource: ['invite'], operation: [operation] } },
		options,
	};
}

export function readInviteOptions(raw: Record<string, unknown>): InviteOptions {
	const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
	const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
	return {
		from: text(raw.from),
		subject: text(raw.subject),
		message: text(raw.message),
		expirationDays: number(raw.expirationDays),
		reminderDays: number(raw.reminderDays),
	};
}
