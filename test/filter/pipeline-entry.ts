// A fresh instance of the pipeline's test-only entry (assembly/testing/pipeline.ts) per case.
import { loadTestingEntry } from "../support/testing-entry.js";

export interface PipelineEntry {
  matchRule(ruleMethod: string, pattern: string, method: string, path: string): number;
  patternError(pattern: string): string;
  normalizePath(path: string): string;
  queryParam(path: string, name: string): string;
  encodeValue(s: string): string;
  authority(authority: string, scheme: string): string;
  classify(numHeaders: number, status: string, reason: string): string;
}

export async function pipelineEntry(): Promise<PipelineEntry> {
  return (await loadTestingEntry<PipelineEntry>("pipeline")).exports;
}
