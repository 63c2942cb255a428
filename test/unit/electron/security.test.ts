import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import {
  APP_CSP,
  consoleUrlFor,
  isAllowedConsoleNavigation,
  isAllowedExternalLink,
  isTrustedSender,
  verifyPinnedCertificate,
  withCspHeader,
} from '../../../electron/security.ts';

const page = path.resolve('dist/renderer/participant/index.html');
const pageUrl = pathToFileURL(page).href;

describe('isTrustedSender', () => {
  it('accepts the app page, with or without query and hash', () => {
    expect(isTrustedSender(pageUrl, [page])).toBe(true);
    expect(isTrustedSender(`${pageUrl}?view=join&invite=x#/data`, [page])).toBe(true);
  });

  it.each([
    ['a remote page', 'https://evil.example/index.html'],
    ['the hub console over https', 'https://127.0.0.1:7443/'],
    ['another local file', pathToFileURL(path.resolve('dist/renderer/console/index.html')).href],
    ['a sibling file', pathToFileURL(path.resolve('dist/renderer/participant/evil.html')).href],
    ['a file on a network share', `file://server${pathToFileURL(page).pathname}`],
    ['a data URL', 'data:text/html,<script>1</script>'],
    ['an empty URL (error page)', ''],
    ['not a URL', 'index.html'],
  ])('refuses %s', (_what, url) => {
    expect(isTrustedSender(url, [page])).toBe(false);
  });

  it('refuses a sender whose frame is gone', () => {
    expect(isTrustedSender(null, [page])).toBe(false);
    expect(isTrustedSender(undefined, [page])).toBe(false);
  });

  it('refuses a path that climbs out and back in to a different file', () => {
    const sneaky = `${pathToFileURL(path.resolve('dist/renderer/participant')).href}/../console/index.html`;
    expect(isTrustedSender(sneaky, [page])).toBe(false);
  });
});

describe('navigation and links', () => {
  it('lets the console navigate within the hub origin only', () => {
    expect(isAllowedConsoleNavigation('https://localhost:7443/jobs/1', 'https://localhost:7443/')).toBe(true);
    expect(isAllowedConsoleNavigation('https://localhost:7444/', 'https://localhost:7443/')).toBe(false);
    expect(isAllowedConsoleNavigation('http://localhost:7443/', 'https://localhost:7443/')).toBe(false);
  });

  it('opens only https links to allowed hosts outside the app', () => {
    expect(isAllowedExternalLink('https://github.com/some/repo')).toBe(true);
    expect(isAllowedExternalLink('http://github.com/some/repo')).toBe(false);
    expect(isAllowedExternalLink('https://github.com.evil.example/')).toBe(false);
    expect(isAllowedExternalLink('https://user@github.com/')).toBe(false);
    expect(isAllowedExternalLink('file:///etc/passwd')).toBe(false);
  });

  it('reaches a hub bound to every interface over loopback', () => {
    expect(consoleUrlFor('https://0.0.0.0:7443/')).toBe('https://127.0.0.1:7443/');
    expect(consoleUrlFor('https://localhost:7443/')).toBe('https://localhost:7443/');
  });
});

describe('verifyPinnedCertificate', () => {
  it('trusts only the exact certificate on the pinned host', async () => {
    const [a, b] = await Promise.all([
      generate([{ name: 'commonName', value: 'a' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' }),
      generate([{ name: 'commonName', value: 'b' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' }),
    ]);
    const der = Buffer.from(a.cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
    const pin = { hostname: 'localhost', fingerprint };

    expect(verifyPinnedCertificate({ hostname: 'localhost', pem: a.cert }, pin)).toBe(0);
    expect(verifyPinnedCertificate({ hostname: 'localhost', pem: b.cert }, pin)).toBe(-2);
    expect(verifyPinnedCertificate({ hostname: 'localhost', pem: 'garbage' }, pin)).toBe(-2);
    expect(verifyPinnedCertificate({ hostname: 'example.org', pem: a.cert }, pin)).toBe(-3);
  });
});

describe('CSP', () => {
  it('replaces any CSP the response carried and keeps other headers', () => {
    const headers = withCspHeader({ 'content-security-policy': ['default-src *'], 'X-Other': ['1'] });
    expect(headers['Content-Security-Policy']).toEqual([APP_CSP]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['X-Other']).toEqual(['1']);
  });

  it('forbids remote scripts, eval and plugins', () => {
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).not.toContain('unsafe-eval');
    expect(APP_CSP).not.toContain('unsafe-inline');
    expect(APP_CSP).toContain("object-src 'none'");
  });
});
