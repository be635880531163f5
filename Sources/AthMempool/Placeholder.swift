enum AthMempoolPlaceholder {}
