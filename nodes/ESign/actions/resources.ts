import type { ResourceName } from '../../providers/adapter';
import { documentOperations } from './document';
import { inviteOperations } from './invite';
import { signatureRequestOperations } from './signatureRequest';
import { templateOperations } from './template';
import type { OperationDefinition } from './types';
import { webhookOperations } from './webhook';

export const resources: ReadonlyArray<{ value: ResourceName; name: string; operations: OperationDefinition[] }> = [
	{ value: 'document', name: 'Document', operations: documentOperations },
	{ value: 'invite', name: 'Invite', operations: inviteOperations },
	{ value: 'signatureRequest', name: 'Signature Request', operations: signatureRequestOperations },
	{ value: 'template', name: 'Template', operations: templateOperations },
	{ value: 'webhook', name: 'Webhook', operations: webhookOperations },
];
