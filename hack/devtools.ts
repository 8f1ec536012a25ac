/**
 * The one module of hack/ that code under test/ may import (test/README.md, "Layout rules";
 * test/unit/architecture/layout.test.ts enforces it): the CRD generator, for the tests that check
 * the committed CRD and the chart's template, and the esbuild bundler, for the bench that measures
 * the operator as the image ships it. Everything else in hack/ is run as a command.
 */
export { bundleCollector, bundleForNode, bundleOperator } from "./bundle-operator.js";
export { crdFromSource } from "./crd/crdFromTypes.js";
export { describeDrift } from "./crd/describeDrift.js";
export { renderChartCrdTemplate, renderCrdYaml } from "./crd/renderCrdYaml.js";
export type { CustomResourceDefinition, JsonSchema } from "./crd/schemaTypes.js";
export {
  CHART_CRD_TEMPLATE_PATH,
  CRD_PATH,
  generateChartCrdTemplate,
  generateCrdYaml,
} from "./gen-crd.js";
