import { describe, expect, it } from 'vitest';
import { maskUrlSecrets } from './mask-secrets.js';

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
