// The attestation pool (see AttestationPool.swift).
