// Configuration from the environment and bot script checking: clear errors before anything runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotScriptError, loadBotScript } from '../../server-stub/bot/script.js';
import { ConfigError } from '../../server-stub/config.js';
import { configFromEnv, DEFAULT_TOKEN, DEMO_BOT_SCRIPT, startStub } from '../../server-stub/index.js';
import { TokenRegistry, maskPath, maskToken } from '../../server-stub/tokens.js';
import { TEST_BOT } from './helpers.js';

describe('configFromEnv', () => {
  it('has defaults for everything', () => {
    expect(configFromEnv({})).toEqual({
      tokens: [DEFAULT_TOKEN],
      blockTextInputWithButtons: false,
      longPollMs: 25_000,
      validateResponses: true,
      botScriptPath: DEMO_BOT_SCRIPT,
      webhookRetry: { attempts: 15, baseDelayMs: 200, maxDelayMs: 10_000, timeoutMs: 5_000 },
      maxClients: 10_000,
      storage: { kind: 'memory' },
      port: 3000,
      host: '127.0.0.1',
      logRequests: false,
      workers: 1,
    });
  });

  it('reads every variable', () => {
    const config = configFromEnv({
      CHATAPI_TOKENS: ' AbCdEfGh:0123456789abcdef0123456789abcdef01234567 , second ,,',
      CHATAPI_WEBHOOK_URL: 'http://127.0.0.1:4000/hook',
      CHATAPI_BLOCK_TEXT_INPUT: 'true',
      CHATAPI_LONG_POLL_MS: '1000',
      CHATAPI_VALIDATE_RESPONSES: 'false',
      CHATAPI_BOT_SCRIPT: 'test/stub/fixtures/test-bot.yaml',
      CHATAPI_WEBHOOK_ATTEMPTS: '2',
      CHATAPI_WEBHOOK_BASE_DELAY_MS: '10',
      CHATAPI_WEBHOOK_TIMEOUT_MS: '100',
      CHATAPI_LOG: 'requests',
      PORT: '0',
      HOST: '0.0.0.0',
    });
    expect(config).toMatchObject({
      tokens: ['AbCdEfGh:0123456789abcdef0123456789abcdef01234567', 'second'],
      webhookUrl: 'http://127.0.0.1:4000/hook',
      blockTextInputWithButtons: true,
      longPollMs: 1000,
      validateResponses: false,
      webhookRetry: { attempts: 2, baseDelayMs: 10, timeoutMs: 100 },
      port: 0,
      host: '0.0.0.0',
      logRequests: true,
    });
    expect(config.botScriptPath).toBe(join(process.cwd(), 'test/stub/fixtures/test-bot.yaml'));
  });

  it.each([
    [{ CHATAPI_LONG_POLL_MS: 'soon' }, 'CHATAPI_LONG_POLL_MS'],
    [{ CHATAPI_VALIDATE_RESPONSES: 'perhaps' }, 'CHATAPI_VALIDATE_RESPONSES'],
    [{ CHATAPI_WEBHOOK_URL: 'not a url' }, 'webhookUrl'],
    [{ CHATAPI_WEBHOOK_URL: 'file:///etc/passwd' }, 'webhookUrl'],
    [{ CHATAPI_WEBHOOK_ATTEMPTS: '0' }, 'webhookRetry.attempts'],
    [{ CHATAPI_TOKENS: 'a/b' }, 'tokens'],
    [{ PORT: '70000' }, 'PORT'],
    [{ CHATAPI_LOG: 'everything' }, 'CHATAPI_LOG'],
  ])('rejects %j, naming %s', (env, setting) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(setting);
  });
});

describe('tokens', () => {
  it('matches only configured tokens, exactly', () => {
    const registry = new TokenRegistry(['alpha', 'beta:1']);
    expect(registry.match('alpha')).toBe('alpha');
    expect(registry.match('beta:1')).toBe('beta:1');
    for (const other of ['alph', 'alphaa', 'ALPHA', '', 'beta']) expect(registry.match(other)).toBeUndefined();
  });

  it('never shows a token whole in logs', () => {
    expect(maskToken('AbCdEfGh:0123456789abcdef')).toBe('AbCd…');
    expect(maskToken('short')).toBe('…');
    expect(maskPath('/chatapi/AbCdEfGh:0123456789abcdef/events?clientId=a')).toBe('/chatapi/AbCd…/events?clientId=a');
    expect(maskPath('/_stub/channels/AbCdEfGh:0123/settings')).toBe('/_stub/channels/AbCd…/settings');
    expect(maskPath('/_stub/deliveries?questionId=q&token=chatapi-dev-token')).toBe('/_stub/deliveries?questionId=q&token=chat…');
  });
});

describe('bot scripts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatapi-bot-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function problemsOf(text: string, name = 'bot.yaml'): Promise<string[]> {
    const file = join(dir, name);
    await writeFile(file, text);
    try {
      await loadBotScript(file, { cacheDir: false });
    } catch (error) {
      expect(error).toBeInstanceOf(BotScriptError);
      expect((error as Error).message).toContain(file);
      return (error as BotScriptError).problems;
    }
    return [];
  }

  it('the demo script and the test script are valid', async () => {
    const demo = await loadBotScript(DEMO_BOT_SCRIPT, { cacheDir: false });
    expect(demo.rules.map((r) => r.state)).toEqual(expect.arrayContaining(['/Start', '/Buttons', '/Image', '/File', '/Carousel', '/RemindMe', '/Reminder', '/Operator']));
    expect(demo.byState.get('/RemindMe')?.timeout).toEqual({ intervalMs: 5_000, targetState: '/Reminder' });
    await expect(loadBotScript(TEST_BOT, { cacheDir: false })).resolves.toBeDefined();
  });

  it('a JSON script works like a YAML one', async () => {
    const json = JSON.stringify({ rules: [{ state: '/A', match: [{ query: 'a' }], replies: [{ type: 'text', text: 'A' }] }], catchAll: { state: '/Other', replies: [{ type: 'text', text: '?' }] } });
    expect(await problemsOf(json, 'bot.json')).toEqual([]);
  });

  it.each([
    ['not YAML', 'rules: [unclosed', /not valid YAML/],
    ['no catchAll', 'rules: []', /must have required property 'catchAll'/],
    ['an unknown top-level key', 'rules: []\ncatchAll: { state: /C, replies: [{ type: text, text: x }] }\nextra: 1', /\('extra'\)/],
    ['a state without a slash', 'rules: []\ncatchAll: { state: C, replies: [{ type: text, text: x }] }', /\/catchAll\/state: must match pattern/],
    ['an unknown reply type', 'rules: []\ncatchAll: { state: /C, replies: [{ type: telepathy }] }', /\/catchAll\/replies\/0\/type: must be one of: text, buttons/],
    ['an image without imageUrl', 'rules: [{ state: /I, match: [{ query: i }], replies: [{ type: image }] }]\ncatchAll: { state: /C, replies: [{ type: text, text: x }] }', /\/rules\/0\/replies\/0: must have required property 'imageUrl'/],
    ['a bad URL', 'rules: []\ncatchAll: { state: /C, replies: [{ type: file, fileUrl: "not a url" }] }', /\/catchAll\/replies\/0\/fileUrl: must match format "uri"/],
    ['a matcher with two kinds', 'rules: [{ state: /A, match: [{ query: a, event: b }], replies: [{ type: text, text: x }] }]\ncatchAll: { state: /C, replies: [{ type: text, text: x }] }', /\/rules\/0\/match\/0: a matcher is exactly one of/],
    ['a bad regular expression', 'rules: [{ state: /A, match: [{ regex: "(" }], replies: [{ type: text, text: x }] }]\ncatchAll: { state: /C, replies: [{ type: text, text: x }] }', /\/rules\/0\/match\/0\/regex: Invalid regular expression/],
    ['a timeout to an unknown state', 'rules: [{ state: /A, match: [{ query: a }], replies: [{ type: timeout, interval: 1, targetState: /Nowhere }] }]\ncatchAll: { state: /C, replies: [{ type: text, text: x }] }', /timeout targetState \/Nowhere is not a state/],
    ['an unknown placeholder', 'rules: []\ncatchAll: { state: /C, replies: [{ type: text, text: "{{nope}}" }] }', /unknown placeholder \{\{nope\}\}/],
    ['a duplicate state', 'rules: [{ state: /C, match: [{ query: a }], replies: [{ type: text, text: x }] }]\ncatchAll: { state: /C, replies: [{ type: text, text: x }] }', /\/C is used by an earlier rule/],
  ])('rejects %s with a clear message', async (_name, text, expected) => {
    const problems = await problemsOf(text);
    expect(problems.join('\n')).toMatch(expected);
  });

  it('a missing file is reported as such', async () => {
    await expect(loadBotScript(join(dir, 'missing.yaml'), { cacheDir: false })).rejects.toThrow(/cannot read the file/);
  });

  it('startStub refuses to start with a bad script', async () => {
    const file = join(dir, 'bad-start.yaml');
    await writeFile(file, 'rules: []\ncatchAll: { state: /C, replies: [{ type: image }] }');
    await expect(startStub({ port: 0, botScriptPath: file, botScriptCache: false })).rejects.toThrow(BotScriptError);
  });

  it('caches a checked script by content, and checks it again when it changes', async () => {
    const cacheDir = join(dir, 'cache');
    const file = join(dir, 'cached.yaml');
    await writeFile(file, 'rules: []\ncatchAll: { state: /C, replies: [{ type: text, text: one }] }');
    const first = await loadBotScript(file, { cacheDir });
    expect(first.catchAll.replies).toEqual([{ type: 'text', text: 'one', state: '/C' }]);
    const again = await loadBotScript(file, { cacheDir });
    expect(again.catchAll.replies).toEqual(first.catchAll.replies);
    await writeFile(file, 'rules: []\ncatchAll: { state: /C, replies: [{ type: image }] }');
    await expect(loadBotScript(file, { cacheDir })).rejects.toThrow(BotScriptError);
  });
});
