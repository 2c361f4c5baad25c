import { describe, expect, it } from 'vitest';
import { describeValue } from './format-issues.js';
import { maskSecrets, maskUrlSecrets } from './mask-secrets.js';

describe('maskUrlSecrets', () => {
  it('hides query values but keeps their keys', () => {
    expect(
      maskUrlSecrets(
        'https://app-git-x.vercel.app/?x-vercel-protection-bypass=s3cr3t&x-vercel-set-bypass-cookie=true',
      ),
    ).toBe(
      'https://app-git-x.vercel.app/?x-vercel-protection-bypass=***&x-vercel-set-bypass-cookie=***',
    );
    expect(maskUrlSecrets('https://example.com/base?token')).toBe('https://example.com/base?***');
    expect(maskUrlSecrets('https://example.com/base?a=&b=1&&c')).toBe(
      'https://example.com/base?a=&b=***&&***',
    );
  });

  it('hides user-info, including passwords that hold @ or /, and a fragment', () => {
    expect(maskUrlSecrets('https://user:pa55@example.com:8443/p?q=1#frag')).toBe(
      'https://***@example.com:8443/p?q=***#***',
    );
    expect(maskUrlSecrets('https://user:p@ss@example.com/')).toBe('https://***@example.com/');
    expect(maskUrlSecrets('https://user:pa/ss@example.com/x')).toBe('https://***@example.com/x');
    expect(maskUrlSecrets('https://token@example.com')).toBe('https://***@example.com');
  });

  it('leaves addresses without secrets as they are, and is idempotent', () => {
    for (const address of [
      'https://v42.app.example.com',
      'https://example.com/tenant-a/',
      'http://127.0.0.1:3000/users/@me',
      'not a url',
      '',
    ]) {
      expect(maskUrlSecrets(address)).toBe(address);
    }
    const once = maskUrlSecrets('https://u:p@h.example/?a=1&b#c');
    expect(maskUrlSecrets(once)).toBe(once);
    expect(maskUrlSecrets('https://h.example/?email=a@b.example')).toBe(
      'https://h.example/?email=***',
    );
  });
});

describe('maskSecrets (every config error shows values through it)', () => {
  const secret = 'Sup3r-s3cret!';
  const cases = [
    `postgres://h/d?password=${secret}`,
    `postgres://app:${secret}@db.internal:5432/app`,
    `host=db password=${secret} user=app`,
    `host=db password='${secret} with space' user=app`,
    `redis://h:6379/0?password=${secret}`,
    `rediss://:${secret}@cache:6380`,
    `Server=db;User Id=app;Password=${secret};`,
    `https://app.vercel.app/?x-vercel-protection-bypass=${secret}`,
    `token=${secret}`,
    `connect to postgres://u:${secret}@h/d failed`,
    `redis//:${secret}@h:6379`,
  ];

  it.each(cases)('hides the credential in %s', (value) => {
    expect(maskSecrets(value)).not.toContain(secret);
    expect(describeValue(value)).not.toContain(secret.slice(0, 6));
  });

  it('keeps what is not a credential readable', () => {
    expect(maskSecrets('host=db password=x user=app')).toBe('host=db password=*** user=app');
    expect(maskSecrets('postgres://db.internal:5432/app')).toBe('postgres://db.internal:5432/app');
    expect(maskSecrets('a plain table name')).toBe('a plain table name');
    expect(maskSecrets(maskSecrets(cases[0]!))).toBe(maskSecrets(cases[0]!));
  });
});
