import AthClient
import AthPrimitives
import AthTypes
import Logging

extension WorkerService {
    /// Longest endpoint `Staking.registerOperator` stores (String[128]).
    static let maxEndpointBytes = 128

    /// Registers the operator with Staking, staking `stake` wei and recording
    /// `endpoint`, unless it is registered already; the GPU model, count and
    /// memory come from the hardware report (`HardwareReport.registration`).
    /// Returns the registration's transaction hash, nil when there was
    /// nothing to do. Needs a started worker.
    @discardableResult
    public func registerIfNeeded(stake: UInt256, endpoint: String, allowCPU: Bool = false) throws(WorkerError) -> Hash32? {
        guard case let (client, sender, hardware)? = startedParts() else { throw .notStarted }
        let found = hardware.gpus.isEmpty ? "no GPU (nvidia-smi lists none)"
            : "\(hardware.gpus.count) × \(hardware.gpus[0].model) (\(hardware.gpus[0].memoryMiB / 1024) GiB)"
        if hardware.backend != "cuda" && !allowCPU {
            throw .registration("refusing to register this machine as a GPU operator: it found \(found) and computes on "
                + "the \(hardware.backend) backend (CPU: \(hardware.cpu)); register with a GPU, or pass --allow-cpu on a dev "
                + "chain to register it as cpu:<model>")
        }
        logger.info("hardware for registration", metadata: ["found": "\(found)", "backend": "\(hardware.backend)"])
        guard !endpoint.isEmpty, endpoint.utf8.count <= Self.maxEndpointBytes else {
            throw .registration("the endpoint must be 1 to \(Self.maxEndpointBytes) bytes, not \(endpoint.utf8.count)")
        }
        do throws(ChainClientError) {
            let operatorInfo = try client.view(.staking, StakingABI.operators, [.address(operatorAddress)])
            // (gpuModel, gpuCount, gpuMemoryGiB, endpoint, stake, registered)
            let fields = operatorInfo.first?.items ?? []
            guard fields.count == 6 else { throw ChainClientError("Staking.operators returned \(fields.count) fields, not 6") }
            if fields[5].boolValue {
                logger.info("operator already registered", metadata: [
                    "operator": "\(operatorAddress.checksummed)", "gpuModel": "\(fields[0].stringValue)",
                    "endpoint": "\(fields[3].stringValue)", "stake": "\(Amount.formatATH(fields[4].uintValue))"])
                return nil
            }
            let (model, count, memory) = hardware.registration
            let receipt = try sender.transact(.staking, StakingABI.registerOperator, [
                .string(model), .uint(UInt256(UInt64(count))), .uint(UInt256(UInt64(memory))), .string(endpoint),
            ], value: stake)
            logger.info("registered operator", metadata: [
                "operator": "\(operatorAddress.checksummed)", "gpuModel": "\(model)", "gpuCount": "\(count)",
                "gpuMemoryGiB": "\(memory)", "endpoint": "\(endpoint)", "stake": "\(Amount.formatATH(stake))",
                "tx": "\(receipt.transactionHash)"])
            return receipt.transactionHash
        } catch {
            throw .registration(error.description)
        }
    }

    /// Makes `pricePerUnit` the operator's minimum price per work unit on
    /// chain unless it already is. Returns the transaction's hash, nil when
    /// there was nothing to do. Needs a started worker of an active operator.
    @discardableResult
    public func setMinPriceIfNeeded(_ pricePerUnit: UInt256) throws(WorkerError) -> Hash32? {
        guard case let (client, sender, _)? = startedParts() else { throw .notStarted }
        do throws(ChainClientError) {
            let current = try client.view(.escrow, EscrowABI.jobMinPrice, [.address(operatorAddress)]).first?.uintValue
            if current == pricePerUnit {
                logger.info("job minimum price already set", metadata: ["pricePerUnit": "\(Amount.formatATH(pricePerUnit))"])
                return nil
            }
            let receipt = try sender.transact(.escrow, EscrowABI.setJobMinPrice, [.uint(pricePerUnit)])
            logger.info("set job minimum price", metadata: [
                "pricePerUnit": "\(Amount.formatATH(pricePerUnit))", "tx": "\(receipt.transactionHash)"])
            return receipt.transactionHash
        } catch {
            throw .registration("setting the job minimum price failed: \(error.description)")
        }
    }
}
