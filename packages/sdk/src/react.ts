export {
  canonicalJson,
  createOperationKeys,
  fingerprintOf,
  type OperationKeyStorage,
  type OperationKeys,
  type OperationKeysOptions,
  outcomeIsUnknown,
  STORAGE_PREFIX,
} from "./react/operationKeys";
export {
  type UseIdempotentMutationOptions,
  type UseIdempotentMutationResult,
  useIdempotentMutation,
} from "./react/useIdempotentMutation";
