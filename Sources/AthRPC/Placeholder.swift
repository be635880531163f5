enum AthRPCPlaceholder {}
