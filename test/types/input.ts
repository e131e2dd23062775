// `createProcess` input: the documented fields compile, typos and wrong values do not.
import type { CreateProcessInput, IdCloudClient } from 'unico-idcloud';
import { type Equal, expectAssignable, expectTrue } from './assert.js';

declare const client: IdCloudClient;
const image = 'iVBORw0KGgo';
const subject = { code: '123.456.789-09', name: 'Luke Skywalker' };

expectTrue<Equal<Parameters<IdCloudClient['createProcess']>[0], CreateProcessInput>>();

export async function inputs(): Promise<void> {
  await client.createProcess({ subject, useCase: 'Onboarding', imageBase64: image });
  await client.createProcess({
    subject: {
      code: '12345678909',
      name: 'Luke Skywalker',
      gender: 'M',
      birthDate: '1977-05-25',
      email: 'luke@example.com',
      phone: '5511974749090',
      clientReference: 'ref-1',
    },
    useCase: 'Onboarding',
    subsidiaryId: '0b9f7d5e-8f1a-4a34-9a39-3a7c2f3b1e10',
    imageBase64: image,
  });
  await client.createProcess({
    subject,
    useCase: 'Onboarding',
    // @ts-expect-error typo of imageBase64
    imagebase64: image,
  });
  await client.createProcess({
    subject,
    // @ts-expect-error typo of useCase
    usecase: 'Onboarding',
    imageBase64: image,
  });
  await client.createProcess({
    subject: {
      code: '12345678909',
      name: 'Luke Skywalker',
      // @ts-expect-error typo of birthDate
      birthdate: '1977-05-25',
    },
    useCase: 'Onboarding',
    imageBase64: image,
  });
  await client.createProcess({
    subject: {
      code: '12345678909',
      name: 'Luke Skywalker',
      // @ts-expect-error only 'M' or 'F'
      gender: 'X',
    },
    useCase: 'Onboarding',
    imageBase64: image,
  });
  await client.createProcess({
    // @ts-expect-error the CPF goes in subject.code, not subject.cpf
    subject: { cpf: '12345678909', name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: image,
  });
  await client.createProcess({
    subject,
    useCase: 'Onboarding',
    imageBase64: image,
    // @ts-expect-error typo of subsidiaryId
    subsidiaryID: '0b9f7d5e-8f1a-4a34-9a39-3a7c2f3b1e10',
  });
  // @ts-expect-error imageBase64 is required
  await client.createProcess({ subject, useCase: 'Onboarding' });
}

// The input type is read-only: callers may pass frozen objects.
expectAssignable<CreateProcessInput>(
  Object.freeze({ subject: Object.freeze(subject), useCase: 'x', imageBase64: image }),
);
