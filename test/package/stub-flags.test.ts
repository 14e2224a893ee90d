// Issue 13: `chatapi-stub`'s flags are shorthands for `npm start`'s variables, checked by the same
// rules, and an error names the flag the user typed.
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server-stub/config.js';
import { envWithFlags, nameFlagsIn, STUB_USAGE } from '../../server-stub/flags.js';

describe('chatapi-stub flags', () => {
  it('set the variables npm start reads; a flag wins over its variable', () => {
    const env = envWithFlags(['--port', '0', '--token', 'a', '--token', 'b', '--webhook-url', 'http://127.0.0.1:9/hook', '--long-poll-ms=1500'], { PORT: '3000', CHATAPI_LONG_POLL_MS: '9' });
    expect(env).not.toBe('help');
    const config = configFromEnv(env as NodeJS.ProcessEnv);
    expect(config).toMatchObject({ port: 0, tokens: ['a', 'b'], webhookUrl: 'http://127.0.0.1:9/hook', longPollMs: 1500 });
  });

  it('leave the environment alone when absent', () => {
    const config = configFromEnv(envWithFlags([], { CHATAPI_TOKENS: 'from-env', PORT: '4100' }) as NodeJS.ProcessEnv);
    expect(config).toMatchObject({ port: 4100, tokens: ['from-env'] });
  });

  it('--help asks for the usage, which lists every flag with its variable', () => {
    expect(envWithFlags(['--help'])).toBe('help');
    expect(envWithFlags(['-h'])).toBe('help');
    for (const text of ['--port', 'PORT', '--token', 'CHATAPI_TOKENS', '--webhook-url', 'CHATAPI_WEBHOOK_URL', '--long-poll-ms', 'CHATAPI_LONG_POLL_MS']) {
      expect(STUB_USAGE).toContain(text);
    }
  });

  it('an unknown flag or a stray argument is a configuration error', () => {
    expect(() => envWithFlags(['--colour', 'red'])).toThrow(/colour/);
    expect(() => envWithFlags(['3000'])).toThrow();
  });

  it("a bad value is reported under the flag's name when a flag gave it", () => {
    const argv = ['--long-poll-ms', 'soon'];
    let message = '';
    try {
      configFromEnv(envWithFlags(argv, {}) as NodeJS.ProcessEnv);
    } catch (error) {
      message = nameFlagsIn((error as Error).message, argv);
    }
    expect(message).toBe('--long-poll-ms: expected a non-negative integer, got "soon"');
    expect(nameFlagsIn('CHATAPI_LONG_POLL_MS: expected a non-negative integer, got "soon"', [])).toMatch(/^CHATAPI_LONG_POLL_MS:/);
  });
});
