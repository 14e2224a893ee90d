// An OpenAPI path template as an Express route path: `/{token}/client/{clientId}` becomes
// `/:token/client/:clientId`. Written by path-to-regexp (the router's own parser) from tokens, so
// that literal text with its special characters and any parameter name come out as it reads them.
import { stringify, TokenData, type Token } from 'path-to-regexp';

export function expressPath(template: string): string {
  // split() with a capture group alternates literal text (even) and parameter names (odd).
  const tokens: Token[] = template
    .split(/\{([^{}]+)\}/)
    .map((part, index): Token => (index % 2 === 0 ? { type: 'text', value: part } : { type: 'param', name: part }))
    .filter((token) => token.type !== 'text' || token.value !== '');
  return stringify(new TokenData(tokens));
}
