"""Recapture (翻拍) classifier: features, LOSO evaluation, calibration, ONNX export, card."""
