"""YOLO detector training: dataset builders, training entry point and ONNX export."""
