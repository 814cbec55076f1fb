package cpu

func detectArch() Tier {
	if Has.AVX2 && Has.FMA && Has.F16C {
		if Has.AVX512F && Has.AVX512BW && Has.AVX512VL && Has.AVX512DQ {
			return AVX512
		}
		return AVX2
	}
	return Generic
}
