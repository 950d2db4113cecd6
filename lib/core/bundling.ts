import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * Bundling of every TypeScript Lambda in the product: the esbuild installed by `npm ci`, never
 * Docker (DESIGN 2: synth needs no Docker), one minified CommonJS file with the AWS SDK inside it,
 * so the function runs the SDK version package.json pins rather than the runtime's.
 */
export const LOCAL_ESBUILD_BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: false,
  format: nodejs.OutputFormat.CJS,
  externalModules: [],
};
