/** Unico's token endpoint codes (spec §2.5): what each means, and what to do. */
export const TOKEN_CODES: Readonly<Record<string, readonly [meaning: string, fix: string]>> = {
  '1.0.1': ['the tenant id inside iss is wrong', 'check UNICO_TENANT_ID'],
  '1.0.14': ['the application is not active', 'contact Unico'],
  '1.1.1': ['the scope claim is missing', 'an SDK bug: report it'],
  '1.2.4': ['the assertion had expired', 'synchronise the clock (see the clock check)'],
  '1.2.5': [
    'the assertion could not be validated (signature, aud or lifetime)',
    'aud must be the token host of the same environment, exactly, without a trailing slash',
  ],
  '1.2.6': ['this key is no longer accepted', 'request new credentials from Unico'],
  '1.2.7': ['the assertion was already used', 'run again: each run signs a new one'],
  '1.2.11': ['the account is not active', 'contact Unico'],
  '1.2.14': ['the account lacks permissions', 'contact Unico'],
  '1.2.18': [
    'the account is locked after too many invalid attempts',
    'stop retrying (every rejected request extends the lock), fix the cause, then wait',
  ],
  '1.2.19': ['a claim asks to impersonate (sub)', 'an SDK bug: report it'],
  '1.2.20': [
    'the assertion could not be decoded',
    'check the account name and that the key is this account’s',
  ],
  '1.2.21': [
    'authentication failed: wrong account name, or a key that is not this account’s',
    'check UNICO_ACCOUNT_NAME and that the key is the one issued with this service account',
  ],
  '1.2.22': ['the assertion carries a claim that is not allowed', 'an SDK bug: report it'],
  '1.3.1': ['the account is restricted by source IP', 'ask Unico to allow this machine’s egress IP'],
  '1.3.2': ['the account is restricted by access date or time', 'contact Unico'],
};

/** Codes a credential of the other environment produces. */
export const MIXED_ENVIRONMENT_CODES: ReadonlySet<string> = new Set(['1.0.1', '1.2.5', '1.2.20', '1.2.21']);

export const MIXED_ENVIRONMENT_HINT =
  'credentials never cross environments: a service account, key and APIKEY of UAT are refused by production and the other way round; the most common cause of 401s';
