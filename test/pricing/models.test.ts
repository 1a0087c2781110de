import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../lib/errors.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import {
  closestModels,
  modelForModelId,
  modelForServiceName,
  modelForUsageToken,
  resolveModel,
  routesFrom,
  serviceNameOf,
} from '../../lib/pricing/models.js';

const catalog = bundledCatalog();
const key = (text: string) => resolveModel(catalog, text).model.key;

describe('resolveModel', () => {
  it('resolves full model IDs, keys and the loose names people type', () => {
    expect(key('anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4-5');
    expect(key('claude-sonnet-4-5')).toBe('claude-sonnet-4-5');
    expect(key('sonnet 4.5')).toBe('claude-sonnet-4-5');
    expect(key('Claude Sonnet 4.5')).toBe('claude-sonnet-4-5');
    expect(key('claude-3-haiku')).toBe('claude-3-haiku');
    expect(key('nova micro')).toBe('nova-micro');
    expect(key('llama 3.1 70b')).toBe('llama3-1-70b');
    expect(key('llama3-1-70b')).toBe('llama3-1-70b');
    expect(key('meta.llama3-1-70b-instruct-v1:0')).toBe('llama3-1-70b');
    expect(key('sonnet 3.5 v2')).toBe('claude-3-5-sonnet-v2');
    expect(key('titan-embed-text-v2')).toBe('titan-embed-text-v2');
    // A start that names exactly one model resolves; an ambiguous one does not.
    expect(key('llama 4 maverick')).toBe('llama4-maverick-17b');
    expect(() => key('mistral large')).toThrow(/Did you mean: mistral-large/);
  });

  it('keeps the inference profile of a profile ID and where its callers sit', () => {
    const us = resolveModel(catalog, 'us.anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(us).toMatchObject({ profile: 'us', profileHome: 'us-east-1' });
    expect(us.model.key).toBe('claude-3-5-haiku');
    expect(resolveModel(catalog, 'eu.amazon.nova-pro-v1:0')).toMatchObject({
      profile: 'eu',
      profileHome: 'eu-central-1',
    });
    expect(resolveModel(catalog, 'apac.amazon.nova-lite-v1:0').profile).toBe('apac');
    expect(resolveModel(catalog, 'global.anthropic.claude-sonnet-4-5-20250929-v1:0').profile).toBe('global');
  });

  it('answers an unknown name with the three closest models, in one line', () => {
    let error: unknown;
    try {
      resolveModel(catalog, 'sonet 4.5');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    const e = error as NotFoundError;
    expect(e.candidates).toHaveLength(3);
    expect(e.candidates[0]).toBe('claude-sonnet-4-5');
    expect(e.message).toBe(`I don't know the model "sonet 4.5". Did you mean: ${e.candidates.join(', ')}?`);
    expect(closestModels(catalog, 'nova mikro')[0]).toBe('nova-micro');
    expect(closestModels(catalog, 'lama 3.3 70b')[0]).toBe('llama3-3-70b');
  });
});

describe('lookups for spend, digest and ask', () => {
  it('by CloudWatch ModelId: base IDs, system profiles, ARNs', () => {
    expect(modelForModelId(catalog, 'anthropic.claude-3-haiku-20240307-v1:0')?.model.key).toBe(
      'claude-3-haiku',
    );
    expect(modelForModelId(catalog, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toMatchObject({
      profile: 'us',
    });
    expect(
      modelForModelId(catalog, 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0')?.model.key,
    ).toBe('nova-pro');
    expect(
      modelForModelId(
        catalog,
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0',
      ),
    ).toMatchObject({ profile: 'global' });
    // An application inference profile ID does not name its model.
    expect(
      modelForModelId(catalog, 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123'),
    ).toBeUndefined();
  });

  it('by Cost Explorer service name of Marketplace models', () => {
    expect(modelForServiceName(catalog, 'Claude Sonnet 4.5 (Amazon Bedrock Edition)')?.key).toBe(
      'claude-sonnet-4-5',
    );
    expect(modelForServiceName(catalog, 'Claude 3 Haiku (Amazon Bedrock Edition)')?.key).toBe(
      'claude-3-haiku',
    );
    expect(modelForServiceName(catalog, 'Amazon Bedrock')).toBeUndefined();
    expect(serviceNameOf(resolveModel(catalog, 'claude-3-haiku').model)).toBe(
      'Claude 3 Haiku (Amazon Bedrock Edition)',
    );
    expect(serviceNameOf(resolveModel(catalog, 'nova-pro').model)).toBe('Amazon Bedrock');
  });

  it('by the model token of Amazon Bedrock usage types', () => {
    const tokens: [string, string][] = [
      ['NovaPro', 'nova-pro'],
      ['NovaMicro', 'nova-micro'],
      ['Nova2.0Lite', 'nova-2-lite'],
      ['Llama3-1-70B', 'llama3-1-70b'],
      ['Llama3-2-1B', 'llama3-2-1b'],
      ['Llama4-Maverick-17B', 'llama4-maverick-17b'],
      ['Claude3Haiku', 'claude-3-haiku'],
      ['Claude3Sonnet', 'claude-3-sonnet'],
      ['Claude4.6Sonnet', 'claude-sonnet-4-6'],
      ['Gemma-3-4B-IT', 'gemma-3-4b-it'],
      ['TitanTextG1-Lite', 'titan-text-lite'],
      ['Ministral-3-8b-Instruct', 'ministral-3-8b'],
      ['zai.glm5', 'glm-5'],
      ['NovaCanvas', 'nova-canvas'],
    ];
    for (const [token, expected] of tokens)
      expect(modelForUsageToken(catalog, token)?.key, token).toBe(expected);
  });

  it('routes from a Region: in-region, the geo profile of that Region, global', () => {
    const sonnet = resolveModel(catalog, 'claude-sonnet-4-5').model;
    expect(routesFrom(sonnet, 'eu-west-1').map((r) => `${r.route}:${r.at}`)).toEqual([
      'in-region:eu-west-1',
      'geo:eu',
      'global:global',
    ]);
    expect(routesFrom(sonnet, 'ap-northeast-1').map((r) => r.at)).toEqual(['ap-northeast-1', 'jp', 'global']);
  });
});
