enum AthNodePlaceholder {}
