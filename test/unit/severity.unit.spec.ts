// SPEC §6 Severity: which configured keywords a description mentions.
import { describe, expect, it } from 'vitest';
import { findSeverityKeywords } from '../../src/domain/severity.js';

const DEFAULT = ['critical', 'major'];

describe('finding severity keywords in a description', () => {
  it('finds a keyword whatever the case of the text or of the configured keyword', () => {
    expect(findSeverityKeywords('CRITICAL: checkout is down', DEFAULT)).toEqual(['critical']);
    expect(findSeverityKeywords('a major outage', ['Major'])).toHaveLength(1);
  });

  // The JSDoc promises lower-case keywords; a keyword configured in capitals comes back as configured.
  it('reports a keyword configured in capitals in lower case', () => {
    expect(findSeverityKeywords('a Major outage', ['MAJOR'])).toEqual(['major']);
  });

  it.each([
    ['at the start', 'critical bug in login'],
    ['at the end', 'this is critical'],
    ['next to punctuation', 'login is broken (critical!)'],
    ['across a line break', 'login broken\ncritical\nplease help'],
    ['before a hyphen', 'critical-path service failed'],
  ])('finds a whole word %s', (_where, text) => {
    expect(findSeverityKeywords(text, DEFAULT)).toEqual(['critical']);
  });

  it.each(['uncritical typo', 'criticality assessment', 'the majority agree', 'critical2', 'critical_path', 'überkritisch'])(
    'does not fire on a keyword inside another word: %s',
    (text) => {
      expect(findSeverityKeywords(text, [...DEFAULT, 'kritisch'])).toEqual([]);
    },
  );

  it('finds a whole word that comes after the keyword was seen inside another word', () => {
    expect(findSeverityKeywords('criticality review: this one is critical', DEFAULT)).toEqual(['critical']);
  });

  it('reports keywords in the configured order, each once', () => {
    const text = 'major problem, critical even, really critical';
    expect(findSeverityKeywords(text, ['critical', 'major'])).toEqual(['critical', 'major']);
    expect(findSeverityKeywords(text, ['major', 'critical'])).toEqual(['major', 'critical']);
  });

  it('matches a keyword of several words', () => {
    expect(findSeverityKeywords('we have data loss on eu-1', ['data loss'])).toEqual(['data loss']);
  });

  it('finds nothing in an empty text, with no keywords, or for an empty keyword', () => {
    expect(findSeverityKeywords('', DEFAULT)).toEqual([]);
    expect(findSeverityKeywords('critical outage', [])).toEqual([]);
    expect(findSeverityKeywords('critical outage', [''])).toEqual([]);
  });

  it('finds nothing when no keyword is mentioned', () => {
    expect(findSeverityKeywords('the printer needs paper', DEFAULT)).toEqual([]);
  });
});
