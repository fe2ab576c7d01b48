/**
 * The providers whose documents the relay can reconcile (list "changed since T" through their
 * API), by source type. DocuSeal and Documenso are not here yet (docs/relay.md,
 * "Reconciliation", says why).
 */
import { docusignReconciler } from './docusign/reconcile';
import { dropboxSignReconciler } from './dropbox-sign/reconcile';
import type { Reconciler } from './reconcile';
import { signNowReconciler } from './signnow/reconcile';

export const reconcilers: Readonly<Record<string, Reconciler>> = {
	[docusignReconciler.provider]: docusignReconciler,
	[signNowReconciler.provider]: signNowReconciler,
	[dropboxSignReconciler.provider]: dropboxSignReconciler,
};

export type { Reconciler, ReconcileCredentials } from './reconcile';
