// Spectral function (libs/contracts/.spectral.yaml, campus-required-properties-defined): every name an object schema
// lists in `required` is one of its `properties` (Redocly's no-required-schema-properties-undefined).
export default (schema) => {
  if (schema === null || typeof schema !== "object" || !Array.isArray(schema.required)) return [];
  const properties = schema.properties ?? {};
  return schema.required
    .filter((name) => !Object.hasOwn(properties, name))
    .map((name) => ({ message: `"${name}" is required but not among the schema's properties` }));
};
