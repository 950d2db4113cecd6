/**
 * The bottom layer: names, ports, prefixes, labels, tags, patterns, identity rules, AWS partitions
 * and IAM principal ARNs, CIDR helpers, Lambda bundling, policy-acknowledgement helpers and the
 * shared enums. It imports nothing of ours; everything else may import it (docs/architecture.md).
 */
export * from './acknowledge';
export * from './bundling';
export * from './capacity';
export * from './cidr';
export * from './database-sizing';
export * from './drift';
export * from './enums';
export * from './github';
export * from './iam-principals';
export * from './identity';
export * from './images';
export * from './labels';
export * from './limits';
export * from './names';
export * from './observability';
export * from './partitions';
export * from './patterns';
export * from './people';
export * from './ports';
export * from './prefixes';
export * from './prices';
export * from './roster';
export * from './secret-kinds';
export * from './serving';
export * from './shards';
export * from './tags';
