"""Every plain-words sentence the step-through shows a learner, in one place for review.

Our own words. The calculation panel shows one of these below the numbers of the neuron or edge
in focus; keys name the stage, the activation, the loss or the optimizer they explain.
"""

STAGE_TITLES = {
    "input": "1 · Inputs",
    "forward": "2 · Forward: {layer}{neuron}",
    "loss": "3 · Loss",
    "backward": "4 · Backward: {layer}",
    "update": "5 · Update",
}

EXPLAIN = {
    "input": (
        "The sample's feature values are placed on the input neurons. Nothing is computed yet: "
        "the inputs simply hold the numbers that describe this one example."
    ),
    "forward": (
        "Each neuron multiplies every incoming value by the weight of its edge, adds them up "
        "together with its bias, and gets z. Then it passes z through its activation function "
        "to get its output a, which travels on to the next layer."
    ),
    "forward_edge": (
        "An edge carries the value of the neuron on its left into the sum of the neuron on its "
        "right, scaled by its weight. A large weight makes that input matter a lot; a negative "
        "weight makes it push the sum down."
    ),
    "delta_output_fused": (
        "δ says how much the loss would change if this neuron's z moved a little. With a "
        "sigmoid output and binary cross-entropy, or softmax and cross-entropy, the calculus "
        "simplifies to prediction minus target: a negative δ means the output was too low."
    ),
    "delta_output": (
        "δ says how much the loss would change if this neuron's z moved a little: the slope of "
        "the loss with respect to the prediction, times the slope of the activation at z."
    ),
    "delta_hidden": (
        "A hidden neuron has no target of its own. Its share of the blame is collected from "
        "the layer to its right: each δ there, weighted by the edge that connects them, summed, "
        "and then scaled by the slope of this neuron's activation at its z. Where that slope is "
        "0 (ReLU below zero), no blame gets through."
    ),
    "gradient": (
        "The gradient of a weight is the δ of the neuron the edge enters times the value that "
        "flowed along the edge. An edge that carried a large value, into a neuron with a large "
        "δ, gets a large gradient: it is most responsible for the error."
    ),
    "batch": (
        "In a mini-batch every sample gives its own gradient; the step uses their mean, which "
        "is steadier than any one of them."
    ),
    "frozen": (
        "This parameter is frozen: training computes its gradient but does not change it, so "
        "it stays locked at its value."
    ),
}

EXPLAIN_ACTIVATION = {
    "linear": "The linear activation passes z through unchanged.",
    "relu": "ReLU keeps a positive z and turns a negative one into 0.",
    "leaky_relu": (
        "Leaky ReLU keeps a positive z and multiplies a negative one by a small slope, so the "
        "neuron never goes completely silent."
    ),
    "sigmoid": ("The sigmoid squeezes any z into the range 0 to 1, which reads as a probability."),
    "tanh": "tanh squeezes any z into the range −1 to 1.",
    "softmax": (
        "Softmax turns the output layer's z values into probabilities: each e^z divided by the "
        "sum Σ over all classes, so the outputs add up to 1."
    ),
}

EXPLAIN_LOSS = {
    "bce": (
        "Binary cross-entropy measures how surprised the network is by the true answer: near 0 "
        "when it gave the right class a probability near 1, large when it was confidently wrong."
    ),
    "cross_entropy": (
        "Cross-entropy looks only at the probability given to the true class: minus its "
        "logarithm. A confident right answer costs almost nothing, a confident wrong one a lot."
    ),
    "mse": (
        "Mean squared error averages the squared differences between prediction and target, "
        "so large misses count far more than small ones."
    ),
    "half_sse": (
        "Half the sum of squared errors: the ½ makes its slope simply prediction minus target."
    ),
}

EXPLAIN_PENALTY = {
    "l2": (
        "L2 regularization adds rate × w to every weight's gradient, so each step also shrinks "
        "the weight a little towards 0."
    ),
    "l1": (
        "L1 regularization adds rate × sign(w) to every weight's gradient, pulling each weight "
        "towards 0 by a fixed amount per step."
    ),
}

EXPLAIN_OPTIMIZER = {
    "sgd": (
        "Gradient descent moves the parameter a small step against its gradient: the learning "
        "rate η sets the step's size. Against the gradient is the direction in which the loss "
        "falls."
    ),
    "momentum": (
        "Momentum keeps a running velocity: each step adds the new gradient to a share μ of "
        "the old velocity, so steps grow along directions that keep pointing the same way and "
        "cancel out where the gradient keeps flipping."
    ),
    "adam": (
        "Adam keeps two running averages per parameter: m of the gradient and v of its square. "
        "The step is m divided by the square root of v (each corrected for starting at 0), so "
        "every parameter gets a step of about η whatever the size of its gradient."
    ),
}
